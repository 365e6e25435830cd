// SPDX-License-Identifier: GPL-2.0
/* Linked with -z execstack: the kernel gives it a writable, exec stack. */
int main(void)
{
	return 0;
}
