// SPDX-License-Identifier: GPL-2.0
/* JIT code on several threads: pthread_create with a JIT start routine. */
#include <pthread.h>
#include <stdio.h>

#define NTHREADS 4

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long total;

static void *work(void *arg)
{
	long id = (long)arg, local = 0;

	for (long i = 0; i < 20000; i++)
		local += (i * (id + 1)) % 7;
	pthread_mutex_lock(&lock);
	total += local;
	pthread_mutex_unlock(&lock);
	return (void *)(local & 0xff);
}

int main(void)
{
	pthread_t t[NTHREADS];
	long ret = 0;

	for (long i = 0; i < NTHREADS; i++)
		if (pthread_create(&t[i], NULL, work, (void *)i))
			return 1;
	for (int i = 0; i < NTHREADS; i++) {
		void *r;

		pthread_join(t[i], &r);
		ret += (long)r;
	}
	printf("total=%ld ret=%ld\n", total, ret);
	return 0;
}
