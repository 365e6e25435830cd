// SPDX-License-Identifier: LGPL-2.1 OR MIT
/* /dev/jitseal plumbing: open, ioctl with EINTR retry, the VERSION query. */
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/jitseal.h>

#include "internal.h"

int js_ioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : ret;
}

int js_kmod_open(void)
{
	int fd = open(JITSEAL_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
		return -ENODEV;
	return -errno;
}

/* The module's version and limits, through a fresh open of the device. */
int js_kmod_version(struct jitseal_version *v)
{
	int fd = js_kmod_open(), err;

	if (fd < 0)
		return fd;
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	err = js_ioctl(fd, JITSEAL_IOC_VERSION, v);
	close(fd);
	return err;
}
