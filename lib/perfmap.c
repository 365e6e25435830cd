// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * The perf map: /tmp/perf-PID.map, one line "START SIZE NAME" (hex, no
 * 0x) per named function, appended at each finalize.  perf reads it only
 * for mappings it takes for anonymous memory, so for /dev/jitseal
 * mappings perf needs the jitdump; other tools read the map whatever
 * backs the address (see Documentation/userspace-api/libjitseal.rst).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "profile.h"

static int js_map_fd = -1;
static pid_t js_map_pid;

/* Open (again in a forked child) the map of this process. */
static int js_perfmap_fd(void)
{
	static bool warned;
	char path[64];
	pid_t pid = getpid();

	if (js_map_fd >= 0 && js_map_pid == pid)
		return js_map_fd;
	if (js_map_fd >= 0)
		close(js_map_fd);
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)pid);
	js_map_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	js_map_pid = pid;
	if (js_map_fd < 0)
		js_prof_warn(&warned, "perf map: cannot open %s: %m; no map written",
			     path);
	return js_map_fd;
}

void js_perfmap_emit(const struct js_prof_sym *syms, size_t n)
{
	int fd = js_perfmap_fd();
	size_t i, cap = 0, len = 0;
	char *buf;

	if (fd < 0)
		return;
	for (i = 0; i < n; i++)
		cap += strlen(syms[i].name) + 2 * 20 + 3;
	buf = malloc(cap + 1);
	if (!buf)
		return;
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, cap + 1 - len, "%lx %zx %s\n",
					(unsigned long)syms[i].addr, syms[i].len,
					syms[i].name);
	/* one write: with O_APPEND, lines of concurrent writers never mix */
	if (write(fd, buf, len) < 0) {
		static bool warned;

		js_prof_warn(&warned, "perf map: write failed: %m");
	}
	free(buf);
}
