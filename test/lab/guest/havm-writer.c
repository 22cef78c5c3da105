/*
 * havm-writer — the protected guest's workload for the drbdha lab.
 *
 * It runs as PID 1's successor in a busybox initramfs (or on the host against
 * a plain file, for tests).  On start it scans the disk for the last valid
 * record and prints "FOUND <n>" (0 for a blank disk), then "READY", then loops:
 * write record n+1, make it durable (O_DIRECT|O_SYNC write + fdatasync), and
 * only then print "ACK <n+1>".  An acknowledged counter is therefore on stable
 * storage: after any crash or failover the next boot must print FOUND >= the
 * last ACK that left the guest.
 *
 * Disk layout: NSLOTS slots of 4096 bytes from offset 0.  Counter n lives in
 * slot n % NSLOTS, so writing n+1 never touches the slot that holds n: a torn
 * write can only destroy the record being written, never the last good one.
 *
 * Record (4096 bytes, little-endian):
 *   0  char[8]  magic "DRBDHAG1"
 *   8  u64      counter (>= 1)
 *   16 u64      boot    (number of this boot on this disk; 1 for the first)
 *   24 u32      slot    (counter % NSLOTS, checked on read)
 *   28 u32      nslots  (NSLOTS, checked on read)
 *   32 ...      filler: xorshift64 stream seeded by the counter
 *   4092 u32    crc32 (IEEE, as zlib.crc32) of bytes 0..4091
 * A record is valid iff magic, slot, nslots and crc32 match.  The filler makes
 * a record mixed from two writes fail the crc (the halves differ everywhere).
 *
 * Console protocol (one line each, to stdout, written with one write(2)):
 *   FOUND <n>      last valid counter found on disk at start (0 = none)
 *   READY          the write loop is running
 *   ACK <n>        counter n is durable on the disk
 *   ERROR <text>   an I/O error; the write is retried, nothing is ACKed
 *   STOP <n>       graceful stop (ACPI power button / SIGTERM); n = last ACK
 *
 * Usage: havm-writer [--device PATH] [--interval-ms MS] [--count N]
 *                    [--scan-only] [--poweroff]
 *
 * This file is the drbdha project's own code (test/lab/guest/).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define REC_SIZE 4096
#define NSLOTS 8
#define MAGIC "DRBDHAG1"
#define MAX_INPUTS 16

static uint32_t crc_table[256];

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc32_ieee(const unsigned char *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	while (n--)
		c = crc_table[(c ^ *p++) & 0xFF] ^ (c >> 8);
	return c ^ 0xFFFFFFFFu;
}

static void put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_u64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint32_t get_u32(const unsigned char *p)
{
	uint32_t v = 0;
	for (int i = 3; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* One console line, one write(2): lines from this program never interleave. */
static void say(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	const char *p = buf;
	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		p += w;
		n -= w;
	}
}

static void make_record(unsigned char *rec, uint64_t counter, uint64_t boot)
{
	memset(rec, 0, REC_SIZE);
	memcpy(rec, MAGIC, 8);
	put_u64(rec + 8, counter);
	put_u64(rec + 16, boot);
	put_u32(rec + 24, (uint32_t)(counter % NSLOTS));
	put_u32(rec + 28, NSLOTS);
	uint64_t x = counter * 0x9E3779B97F4A7C15ull + 1;
	for (int off = 32; off + 8 <= REC_SIZE - 4; off += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		put_u64(rec + off, x);
	}
	put_u32(rec + REC_SIZE - 4, crc32_ieee(rec, REC_SIZE - 4));
}

/* Returns 1 and fills counter/boot if rec is a valid record for slot. */
static int check_record(const unsigned char *rec, uint32_t slot, uint64_t *counter, uint64_t *boot)
{
	if (memcmp(rec, MAGIC, 8) != 0)
		return 0;
	if (get_u32(rec + REC_SIZE - 4) != crc32_ieee(rec, REC_SIZE - 4))
		return 0;
	if (get_u32(rec + 28) != NSLOTS || get_u32(rec + 24) != slot)
		return 0;
	uint64_t c = get_u64(rec + 8);
	if (c == 0 || c % NSLOTS != slot)
		return 0;
	*counter = c;
	*boot = get_u64(rec + 16);
	return 1;
}

static int open_disk(const char *path, int *direct)
{
	int fd = open(path, O_RDWR | O_DIRECT | O_SYNC | O_CLOEXEC);
	*direct = 1;
	if (fd < 0 && errno == EINVAL) {	/* e.g. tmpfs: no O_DIRECT */
		fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
		*direct = 0;
	}
	return fd;
}

/* Scan all slots; returns highest valid counter (0 if none), its boot in *boot. */
static int scan(int fd, unsigned char *buf, uint64_t *found, uint64_t *boot)
{
	*found = 0;
	*boot = 0;
	for (uint32_t s = 0; s < NSLOTS; s++) {
		ssize_t r = pread(fd, buf, REC_SIZE, (off_t)s * REC_SIZE);
		if (r < 0)
			return -1;
		if (r < REC_SIZE)
			continue;	/* short disk: slot absent */
		uint64_t c, b;
		if (check_record(buf, s, &c, &b) && c > *found) {
			*found = c;
			*boot = b;
		}
	}
	return 0;
}

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int inputs[MAX_INPUTS];
static int ninputs;

/* Open /dev/input/event* that can emit KEY_POWER (the ACPI power button). */
static void open_power_buttons(void)
{
	DIR *d = opendir("/dev/input");
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) && ninputs < MAX_INPUTS) {
		if (strncmp(e->d_name, "event", 5) != 0)
			continue;
		char p[300];
		snprintf(p, sizeof(p), "/dev/input/%s", e->d_name);
		int fd = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		unsigned long keys[KEY_MAX / (8 * sizeof(long)) + 1];
		memset(keys, 0, sizeof(keys));
		if (ioctl(fd, EVIOCGBIT(EV_KEY, sizeof(keys)), keys) >= 0 &&
		    (keys[KEY_POWER / (8 * sizeof(long))] >> (KEY_POWER % (8 * sizeof(long)))) & 1)
			inputs[ninputs++] = fd;
		else
			close(fd);
	}
	closedir(d);
}

/* Sleep up to ms milliseconds, waking early on a power-button press. */
static void wait_ms(long ms)
{
	struct pollfd pf[MAX_INPUTS];
	for (int i = 0; i < ninputs; i++) {
		pf[i].fd = inputs[i];
		pf[i].events = POLLIN;
	}
	struct timespec end, now;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += ms / 1000;
	end.tv_nsec += (ms % 1000) * 1000000L;
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	for (;;) {
		if (stop_requested)
			return;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left = (end.tv_sec - now.tv_sec) * 1000 + (end.tv_nsec - now.tv_nsec) / 1000000L;
		if (left <= 0)
			return;
		int r = poll(pf, ninputs, (int)left);
		if (r <= 0)
			continue;
		for (int i = 0; i < ninputs; i++) {
			if (!(pf[i].revents & POLLIN))
				continue;
			struct input_event ev;
			while (read(pf[i].fd, &ev, sizeof(ev)) == (ssize_t)sizeof(ev))
				if (ev.type == EV_KEY && ev.code == KEY_POWER && ev.value == 1)
					stop_requested = 1;
		}
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: havm-writer [--device PATH] [--interval-ms MS] [--count N] "
		"[--scan-only] [--poweroff]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *device = "/dev/vda";
	long interval_ms = 250;
	unsigned long long count = 0;	/* 0 = forever */
	int scan_only = 0, poweroff = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--device") && i + 1 < argc)
			device = argv[++i];
		else if (!strcmp(argv[i], "--interval-ms") && i + 1 < argc)
			interval_ms = strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--scan-only"))
			scan_only = 1;
		else if (!strcmp(argv[i], "--poweroff"))
			poweroff = 1;	/* PID 1 in the guest: power off instead of exiting */
		else
			usage();
	}
	if (interval_ms < 0)
		usage();

	crc_init();
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	unsigned char *buf;
	if (posix_memalign((void **)&buf, REC_SIZE, REC_SIZE) != 0) {
		say("FATAL out of memory");
		return 1;
	}

	int direct, fd = open_disk(device, &direct);
	if (fd < 0) {
		say("FATAL open %s: %s", device, strerror(errno));
		goto fatal;
	}

	uint64_t found, boot;
	while (scan(fd, buf, &found, &boot) < 0) {
		say("ERROR read %s: %s", device, strerror(errno));
		sleep(1);
	}
	say("FOUND %llu", (unsigned long long)found);
	if (scan_only)
		return 0;

	boot += 1;
	open_power_buttons();
	say("READY");

	uint64_t n = found;
	unsigned long long done = 0;
	while (!stop_requested && (count == 0 || done < count)) {
		uint64_t next = n + 1;
		make_record(buf, next, boot);
		off_t off = (off_t)(next % NSLOTS) * REC_SIZE;
		ssize_t w = pwrite(fd, buf, REC_SIZE, off);
		if (w != REC_SIZE) {
			say("ERROR write %llu: %s", (unsigned long long)next,
			    w < 0 ? strerror(errno) : "short write");
			sleep(1);
			continue;
		}
		if (fdatasync(fd) != 0) {
			say("ERROR fdatasync %llu: %s", (unsigned long long)next, strerror(errno));
			sleep(1);
			continue;	/* rewrite the same record: never ACK without a good flush */
		}
		n = next;
		done++;
		say("ACK %llu", (unsigned long long)n);
		if (interval_ms > 0)
			wait_ms(interval_ms);
	}
	say("STOP %llu", (unsigned long long)n);
	close(fd);
	if (poweroff) {
		sync();
		reboot(RB_POWER_OFF);
	}
	return 0;

fatal:
	if (poweroff) {
		sleep(5);
		sync();
		reboot(RB_POWER_OFF);
	}
	return 1;
}
