// SPDX-License-Identifier: GPL-2.0
/*
 * jitsealctl events [--follow]: print the refusals (and audit-mode would-be
 * refusals) queued in the pinned ring buffer.  Reading consumes them.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "jitsealctl.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void prot_text(__u32 prot, char out[4])
{
	out[0] = prot & 1 ? 'r' : '-';
	out[1] = prot & 2 ? 'w' : '-';
	out[2] = prot & 4 ? 'x' : '-';
	out[3] = '\0';
}

static int print_event(void *ctx, void *data, size_t len)
{
	const struct wx_event *e = data;
	char prot[4], comm[WX_COMM_LEN + 1];

	(void)ctx;
	if (len < sizeof(*e))
		return 0;
	prot_text(e->prot, prot);
	memcpy(comm, e->comm, WX_COMM_LEN);
	comm[WX_COMM_LEN] = '\0';
	printf("[%5llu.%06llu] %s rule=%s op=%s pid=%u tid=%u uid=%u prot=%s "
	       "flags=0x%x addr=0x%llx len=%llu dev=%u:%u ino=%llu target=%u "
	       "comm=%s\n",
	       (unsigned long long)(e->boot_ns / 1000000000ULL),
	       (unsigned long long)(e->boot_ns % 1000000000ULL / 1000),
	       e->denied ? "deny" : "audit", rule_name(e->rule),
	       op_name(e->op), e->pid, e->tid, e->uid, prot, e->flags,
	       (unsigned long long)e->addr, (unsigned long long)e->len,
	       e->dev >> 20, e->dev & 0xfffff, (unsigned long long)e->ino,
	       e->target, comm);
	return 0;
}

int cmd_events(int argc, char **argv)
{
	struct ring_buffer *rb;
	bool follow = false;
	int fd, err = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--follow") || !strcmp(argv[i], "-f"))
			follow = true;
		else
			return fail("events: unknown argument '%s' (only --follow)",
				    argv[i]);
	}
	if (require_root("events"))
		return 1;
	fd = bpf_obj_get(WX_PIN_DIR "/events");
	if (fd < 0)
		return errno == ENOENT ? fail("enforcement is not active") :
		       fail("cannot open %s/events: %s", WX_PIN_DIR,
			    strerror(errno));
	rb = ring_buffer__new(fd, print_event, NULL, NULL);
	if (!rb) {
		err = fail("cannot read the event ring buffer: %s",
			   strerror(errno));
		goto out;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!follow) {
		if (ring_buffer__consume(rb) < 0)
			err = fail("cannot read events: %s", strerror(errno));
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!stop) {
		int n = ring_buffer__poll(rb, 500);

		if (n < 0 && n != -EINTR) {
			err = fail("cannot read events: %s", strerror(-n));
			break;
		}
		if (access(WX_PIN_DIR, F_OK))
			break;	/* released */
	}
out:
	ring_buffer__free(rb);
	close(fd);
	return err;
}
