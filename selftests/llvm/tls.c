// SPDX-License-Identifier: GPL-2.0
/* Thread-local storage in JIT code: each thread sees its own copy. */
#include <pthread.h>
#include <stdio.h>

static __thread int tls_counter = 5;
static __thread char tls_buf[32];

static void *bump(void *arg)
{
	for (int i = 0; i < 1000; i++)
		tls_counter++;
	tls_buf[0] = 'x';
	return (void *)(long)tls_counter;
}

int main(void)
{
	pthread_t t;
	void *r;

	pthread_create(&t, NULL, bump, NULL);
	pthread_join(t, &r);
	printf("thread=%ld main=%d buf=%d\n", (long)r, tls_counter, tls_buf[0]);
	return 0;
}
