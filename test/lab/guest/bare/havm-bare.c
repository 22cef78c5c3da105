/*
 * havm-bare — the drbdha lab's protected guest without an OS.
 *
 * A freestanding 32-bit multiboot (v1) program that qemu boots directly with -kernel
 * (libvirt: <os><kernel>havm-bare.elf</kernel>, no initrd).  It does exactly what
 * havm-writer does in the Linux guest, with the same disk records and console protocol
 * (see ../README.md and ../havm-writer.c):
 *
 *   FOUND <n>     highest valid counter on the disk at boot (0 for a blank disk)
 *   READY         the write loop is running
 *   ACK <n>       record n is durable: WRITE SECTORS + FLUSH CACHE completed without error
 *   ERROR <text>  an I/O error: nothing is ACKed, the same record is retried after 1 s
 *   STOP <n>      ACPI power button (or havm.count reached); n = last ACK; then power off (S5)
 *
 * Hardware it drives (qemu's pc/i440fx machine; q35 should work too, untested):
 *   - COM1 at 0x3F8, 115200 8N1, polled;
 *   - the primary IDE/ATA channel (0x1F0-0x1F7, control 0x3F6), master drive, PIO with LBA28:
 *     READ SECTORS (0x20), WRITE SECTORS (0x30), FLUSH CACHE (0xE7); interrupts off (nIEN);
 *   - ACPI fixed hardware, from the FADT found through the RSDP: SMI_CMD <- ACPI_ENABLE,
 *     PWRBTN_EN in PM1a_EN, PWRBTN_STS polled in PM1a_STS, S5 via PM1a_CNT (SLP_TYP from
 *     the DSDT's \_S5, SLP_EN);
 *   - the PIT (channel 0, mode 2, reload 65536: a wrap every 54.9 ms), read as a clock;
 *   - the two 8259 PICs, remapped to vectors 0x20/0x28 with every IRQ masked but IRQ0 (the
 *     PIT), and a 256-gate IDT: the pause between writes waits in hlt, woken by IRQ0 at each
 *     PIT wrap, instead of spinning on the counter (nested under TCG a spinning guest takes
 *     the node's whole vCPU).  Interrupts are enabled only inside that sti; hlt; cli, so the
 *     rest of the program runs as before with interrupts off.  Exceptions print
 *     "ERROR exception ..." and halt.
 *
 * Multiboot command line: havm.interval=MS (pause after each ACK, default 250),
 * havm.count=N (stop and power off after N writes; 0 = forever, the default).
 *
 * This file is the drbdha project's own code (test/lab/guest/bare/).
 */
#include <stddef.h>
#include <stdint.h>

#define REC_SIZE 4096
#define NSLOTS 8
#define SECTORS_PER_REC (REC_SIZE / 512)

/* ---------------------------------------------------------------- port I/O */
static inline void outb(uint16_t p, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(p)); }
static inline void outw(uint16_t p, uint16_t v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(p)); }
static inline uint8_t inb(uint16_t p) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline uint16_t inw(uint16_t p) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(p)); return v; }

static void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;
	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

static int memeq(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	while (n--)
		if (*x++ != *y++)
			return 0;
	return 1;
}

/* ---------------------------------------------------------------- serial */
#define COM1 0x3F8

static void serial_init(void)
{
	outb(COM1 + 1, 0x00);	/* no interrupts */
	outb(COM1 + 3, 0x80);	/* DLAB */
	outb(COM1 + 0, 0x01);	/* divisor 1: 115200 */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);	/* 8N1 */
	outb(COM1 + 2, 0xC7);	/* FIFO on, cleared */
	outb(COM1 + 4, 0x03);	/* DTR, RTS */
}

static void serial_putc(char c)
{
	for (uint32_t i = 0; i < 10000000u && !(inb(COM1 + 5) & 0x20); i++)
		;
	outb(COM1, (uint8_t)c);
}

/* A line buffer: each protocol line is built whole, then sent with "\r\n". */
static char line[128];
static int linelen;

static void l_str(const char *s)
{
	while (*s && linelen < (int)sizeof(line) - 1)
		line[linelen++] = *s++;
}

static void l_u64(uint64_t v)
{
	char tmp[24];
	int n = 0;
	do {	/* divide by 10 without libgcc's __udivdi3 */
		uint64_t q = 0, r = 0;
		for (int b = 63; b >= 0; b--) {
			r = (r << 1) | ((v >> b) & 1);
			if (r >= 10) {
				r -= 10;
				q |= 1ull << b;
			}
		}
		tmp[n++] = (char)('0' + r);
		v = q;
	} while (v);
	while (n && linelen < (int)sizeof(line) - 1)
		line[linelen++] = tmp[--n];
}

static void l_hex(uint32_t v)
{
	l_str("0x");
	for (int s = 28; s >= 0; s -= 4)
		if (linelen < (int)sizeof(line) - 1)
			line[linelen++] = "0123456789abcdef"[(v >> s) & 15];
}

static void l_send(void)
{
	for (int i = 0; i < linelen; i++)
		serial_putc(line[i]);
	serial_putc('\r');
	serial_putc('\n');
	linelen = 0;
}

static void say(const char *s)
{
	l_str(s);
	l_send();
}

static void say_n(const char *s, uint64_t n)
{
	l_str(s);
	l_u64(n);
	l_send();
}

/* ---------------------------------------------------------------- IDT, PICs */
/* boot.S: the IRQ0 entry (EOI, iret), the entry for other vectors (iret), 32 exception stubs */
extern char irq0_entry[], ignore_entry[], exc_entries[];

struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t zero, type;
	uint16_t off_hi;
} __attribute__((packed));

static struct idt_gate idt[256] __attribute__((aligned(8)));

static void idt_init(void)
{
	uint16_t cs;
	__asm__ volatile("movw %%cs, %0" : "=r"(cs));	/* boot.S's code selector */
	for (int v = 0; v < 256; v++) {
		uint32_t off = (uint32_t)(v < 32 ? exc_entries + 16 * v : v == 0x20 ? irq0_entry : ignore_entry);
		idt[v].off_lo = (uint16_t)off;
		idt[v].sel = cs;
		idt[v].zero = 0;
		idt[v].type = 0x8E;	/* present, ring 0, 32-bit interrupt gate: IF off in the handler */
		idt[v].off_hi = (uint16_t)(off >> 16);
	}
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) idtr = {sizeof(idt) - 1, (uint32_t)idt};
	__asm__ volatile("lidt %0" ::"m"(idtr));
}

/* The BIOS leaves the master PIC on vectors 0x08-0x0F, which are CPU exceptions in protected
 * mode: move both PICs past them, and let only IRQ0 (the PIT) through. */
static void pic_init(void)
{
	outb(0x20, 0x11);	/* ICW1: edge triggered, cascade, ICW4 follows */
	outb(0xA0, 0x11);
	outb(0x21, 0x20);	/* ICW2: master IRQ0-7 -> vectors 0x20-0x27 */
	outb(0xA1, 0x28);	/*       slave IRQ8-15 -> vectors 0x28-0x2F */
	outb(0x21, 0x04);	/* ICW3: the slave is on master IRQ2 */
	outb(0xA1, 0x02);
	outb(0x21, 0x01);	/* ICW4: 8086 mode, normal EOI */
	outb(0xA1, 0x01);
	outb(0x21, 0xFE);	/* OCW1: mask all but IRQ0 (disk and SCI are polled) */
	outb(0xA1, 0xFF);
}

/* Called by boot.S's exception stubs, with interrupts off; never returns. */
__attribute__((noreturn, used)) void havm_exception(uint32_t vec, uint32_t err, uint32_t eip)
{
	linelen = 0;	/* a half-built line is dropped */
	l_str("ERROR exception ");
	l_u64(vec);
	l_str(" error ");
	l_hex(err);
	l_str(" eip ");
	l_hex(eip);
	l_str("; halting");
	l_send();
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* ---------------------------------------------------------------- PIT clock */
#define PIT_HZ 1193182u
static uint64_t pit_total;
static uint16_t pit_last;

static uint16_t pit_read(void)
{
	outb(0x43, 0x00);	/* latch channel 0 */
	uint8_t lo = inb(0x40);
	uint8_t hi = inb(0x40);
	return (uint16_t)(lo | (hi << 8));
}

static void pit_init(void)
{
	outb(0x43, 0x34);	/* channel 0, lo/hi, mode 2 (rate generator), binary */
	outb(0x40, 0x00);	/* reload 65536: wraps (and raises IRQ0) every 54.9 ms */
	outb(0x40, 0x00);
	pit_last = pit_read();
}

/* PIT ticks since pit_init; must be called at least every ~50 ms to see every wrap (a missed
 * wrap only makes a pause or a timeout longer).  pause_ms() sleeps a whole wrap between two
 * calls and puts back the wraps that this misses. */
static uint64_t ticks(void)
{
	uint16_t now = pit_read();
	pit_total += (uint16_t)(pit_last - now);	/* counts down, modulo 65536 */
	pit_last = now;
	return pit_total;
}

/* ---------------------------------------------------------------- ACPI */
struct acpi {
	uint32_t smi_cmd;
	uint8_t enable;
	uint16_t pm1a_evt, pm1a_en, pm1a_cnt;
	uint16_t slp_typ_s5;
	int ok;
} acpi;

static uint8_t sum8(const void *p, uint32_t n)
{
	const uint8_t *b = p;
	uint8_t s = 0;
	while (n--)
		s += *b++;
	return s;
}

static const uint8_t *find_rsdp(void)
{
	const volatile uint16_t *bda = (const volatile uint16_t *)0x40E;
	__asm__("" : "+r"(bda));	/* a fixed physical address, not an array: silence -Warray-bounds */
	uint32_t ebda = (uint32_t)*bda << 4;
	uint32_t ranges[2][2] = {{ebda, ebda + 1024}, {0xE0000, 0x100000}};
	for (int r = 0; r < 2; r++) {
		if (!ranges[r][0])
			continue;
		for (uint32_t a = ranges[r][0]; a + 20 <= ranges[r][1]; a += 16) {
			const uint8_t *p = (const uint8_t *)a;
			if (memeq(p, "RSD PTR ", 8) && sum8(p, 20) == 0)
				return p;
		}
	}
	return NULL;
}

static uint32_t rd32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

/* SLP_TYPa of \_S5 from the DSDT's AML: "_S5_" NameOp, PackageOp, PkgLength, NumElements,
 * then the first element (ZeroOp, OneOp or BytePrefix n). */
static int s5_from_dsdt(const uint8_t *dsdt, uint16_t *typ)
{
	uint32_t len = rd32(dsdt + 4);
	for (uint32_t i = 36; i + 12 < len; i++) {
		const uint8_t *p = dsdt + i;
		if (!memeq(p, "_S5_", 4) || p[4] != 0x12)
			continue;
		const uint8_t *q = p + 5;
		q += ((q[0] >> 6) & 3) + 1;	/* PkgLength */
		q += 1;				/* NumElements */
		if (q[0] == 0x0A)
			*typ = q[1] & 7;
		else if (q[0] == 0x00 || q[0] == 0x01)
			*typ = q[0];
		else
			return 0;
		return 1;
	}
	return 0;
}

static void acpi_init(void)
{
	/* Defaults of qemu's PIIX4 PM as SeaBIOS sets it up (PMBASE 0x600, SMI_CMD 0xB2,
	 * ACPI_ENABLE 0xF1, \_S5 = 0), used only if the tables cannot be read. */
	acpi.smi_cmd = 0xB2;
	acpi.enable = 0xF1;
	acpi.pm1a_evt = 0x600;
	acpi.pm1a_en = 0x602;
	acpi.pm1a_cnt = 0x604;
	acpi.slp_typ_s5 = 0;
	const uint8_t *rsdp = find_rsdp();
	if (!rsdp) {
		say("INFO acpi: no RSDP, using PIIX4 defaults");
		return;
	}
	const uint8_t *rsdt = (const uint8_t *)rd32(rsdp + 16);
	if (!memeq(rsdt, "RSDT", 4)) {
		say("INFO acpi: no RSDT, using PIIX4 defaults");
		return;
	}
	uint32_t n = (rd32(rsdt + 4) - 36) / 4;
	const uint8_t *fadt = NULL;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *t = (const uint8_t *)rd32(rsdt + 36 + 4 * i);
		if (memeq(t, "FACP", 4))
			fadt = t;
	}
	if (!fadt) {
		say("INFO acpi: no FADT, using PIIX4 defaults");
		return;
	}
	acpi.smi_cmd = rd32(fadt + 48);
	acpi.enable = fadt[52];
	acpi.pm1a_evt = (uint16_t)rd32(fadt + 56);
	acpi.pm1a_cnt = (uint16_t)rd32(fadt + 64);
	uint8_t evt_len = fadt[88];
	acpi.pm1a_en = (uint16_t)(acpi.pm1a_evt + (evt_len ? evt_len / 2 : 2));
	const uint8_t *dsdt = (const uint8_t *)rd32(fadt + 40);
	if (!(dsdt && memeq(dsdt, "DSDT", 4) && s5_from_dsdt(dsdt, &acpi.slp_typ_s5)))
		say("INFO acpi: no \\_S5 in the DSDT, using SLP_TYP 0");
	acpi.ok = 1;
}

static void acpi_enable(void)
{
	if (!(inw(acpi.pm1a_cnt) & 1) && acpi.smi_cmd && acpi.enable) {
		outb((uint16_t)acpi.smi_cmd, acpi.enable);
		for (uint32_t i = 0; i < 1000000u && !(inw(acpi.pm1a_cnt) & 1); i++)
			;
	}
	outw(acpi.pm1a_evt, 0x0100);			/* clear a stale PWRBTN_STS (write 1) */
	outw(acpi.pm1a_en, inw(acpi.pm1a_en) | 0x0100);	/* PWRBTN_EN */
	l_str("INFO acpi: smi_cmd=");
	l_hex(acpi.smi_cmd);
	l_str(" pm1a_evt=");
	l_hex(acpi.pm1a_evt);
	l_str(" pm1a_cnt=");
	l_hex(acpi.pm1a_cnt);
	l_str(" s5=");
	l_hex(acpi.slp_typ_s5);
	l_str(" sci_en=");
	l_hex(inw(acpi.pm1a_cnt) & 1);
	l_str(acpi.ok ? " (from FADT)" : " (defaults)");
	l_send();
}

static int power_button_pressed(void)
{
	if (inw(acpi.pm1a_evt) & 0x0100) {
		outw(acpi.pm1a_evt, 0x0100);	/* write 1 to clear */
		return 1;
	}
	return 0;
}

static void power_off(void)
{
	outw(acpi.pm1a_cnt, (uint16_t)((acpi.slp_typ_s5 << 10) | 0x2000));	/* SLP_TYP | SLP_EN */
	for (uint32_t i = 0; i < 50000000u; i++)
		__asm__ volatile("pause");
	say("ERROR poweroff did not happen; halting");
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* ---------------------------------------------------------------- ATA PIO */
#define ATA_DATA 0x1F0
#define ATA_ERR 0x1F1
#define ATA_COUNT 0x1F2
#define ATA_LBA0 0x1F3
#define ATA_LBA1 0x1F4
#define ATA_LBA2 0x1F5
#define ATA_DRIVE 0x1F6
#define ATA_CMD 0x1F7	/* status on read */
#define ATA_CTL 0x3F6	/* alternate status on read */
#define ST_ERR 0x01
#define ST_DRQ 0x08
#define ST_DF 0x20
#define ST_BSY 0x80

static const char *ata_err;

static void ata_delay(void)
{
	for (int i = 0; i < 4; i++)
		(void)inb(ATA_CTL);	/* ~400 ns */
}

/* Wait until not BSY; with want_drq also until DRQ.  0 on success, -1 on ERR/DF/timeout. */
static int ata_wait(int want_drq)
{
	uint64_t start = ticks();
	for (;;) {
		uint8_t s = inb(ATA_CMD);
		if (!(s & ST_BSY)) {
			if (s & (ST_ERR | ST_DF)) {
				ata_err = (s & ST_DF) ? "device fault" : "ERR";
				return -1;
			}
			if (!want_drq || (s & ST_DRQ))
				return 0;
		}
		if (ticks() - start > 30ull * PIT_HZ) {
			ata_err = "timeout";
			return -1;
		}
	}
}

static int ata_setup(uint8_t cmd, uint32_t lba, uint8_t count)
{
	if (ata_wait(0) < 0)
		return -1;
	outb(ATA_DRIVE, (uint8_t)(0xE0 | ((lba >> 24) & 0x0F)));	/* master, LBA */
	ata_delay();
	if (ata_wait(0) < 0)
		return -1;
	outb(ATA_COUNT, count);
	outb(ATA_LBA0, (uint8_t)lba);
	outb(ATA_LBA1, (uint8_t)(lba >> 8));
	outb(ATA_LBA2, (uint8_t)(lba >> 16));
	outb(ATA_CMD, cmd);
	ata_delay();
	return 0;
}

static int ata_read(uint32_t lba, uint8_t count, uint8_t *buf)
{
	if (ata_setup(0x20, lba, count) < 0)
		return -1;
	for (int s = 0; s < count; s++) {
		if (ata_wait(1) < 0)
			return -1;
		for (int i = 0; i < 256; i++) {
			uint16_t w = inw(ATA_DATA);
			buf[s * 512 + 2 * i] = (uint8_t)w;
			buf[s * 512 + 2 * i + 1] = (uint8_t)(w >> 8);
		}
		ata_delay();
	}
	return 0;
}

static int ata_write(uint32_t lba, uint8_t count, const uint8_t *buf)
{
	if (ata_setup(0x30, lba, count) < 0)
		return -1;
	for (int s = 0; s < count; s++) {
		if (ata_wait(1) < 0)
			return -1;
		for (int i = 0; i < 256; i++)
			outw(ATA_DATA, (uint16_t)(buf[s * 512 + 2 * i] | buf[s * 512 + 2 * i + 1] << 8));
		ata_delay();
	}
	return ata_wait(0);	/* the last sector is taken: not BSY, no ERR */
}

static int ata_flush(void)
{
	if (ata_wait(0) < 0)
		return -1;
	outb(ATA_DRIVE, 0xE0);
	ata_delay();
	outb(ATA_CMD, 0xE7);	/* FLUSH CACHE */
	ata_delay();
	return ata_wait(0);
}

/* ---------------------------------------------------------------- records (as havm-writer.c) */
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

static uint32_t crc32_ieee(const uint8_t *p, uint32_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	while (n--)
		c = crc_table[(c ^ *p++) & 0xFF] ^ (c >> 8);
	return c ^ 0xFFFFFFFFu;
}

static void put_u64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static void put_u32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static uint64_t get_u64(const uint8_t *p) { uint64_t v = 0; for (int i = 7; i >= 0; i--) v = (v << 8) | p[i]; return v; }
static uint32_t get_u32(const uint8_t *p) { uint32_t v = 0; for (int i = 3; i >= 0; i--) v = (v << 8) | p[i]; return v; }

static void make_record(uint8_t *rec, uint64_t counter, uint64_t boot)
{
	memset(rec, 0, REC_SIZE);
	for (int i = 0; i < 8; i++)
		rec[i] = (uint8_t)"DRBDHAG1"[i];
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

static int check_record(const uint8_t *rec, uint32_t slot, uint64_t *counter, uint64_t *boot)
{
	if (!memeq(rec, "DRBDHAG1", 8))
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

/* ---------------------------------------------------------------- command line */
struct multiboot_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
};

static uint32_t arg_u32(const char *cmdline, const char *key, uint32_t dflt)
{
	if (!cmdline)
		return dflt;
	int klen = 0;
	while (key[klen])
		klen++;
	for (const char *p = cmdline; *p; p++) {
		if ((p == cmdline || p[-1] == ' ') && memeq(p, key, (size_t)klen)) {
			const char *q = p + klen;
			uint32_t v = 0;
			if (*q < '0' || *q > '9')
				return dflt;
			while (*q >= '0' && *q <= '9')
				v = v * 10 + (uint32_t)(*q++ - '0');
			return v;
		}
	}
	return dflt;
}

/* ---------------------------------------------------------------- main */
static uint8_t buf[REC_SIZE];
static uint8_t rec[REC_SIZE];

/* Wait ms milliseconds, or until the power button (*stop = 1).  The CPU sleeps in hlt and IRQ0
 * wakes it at each PIT wrap, so the button is seen within 55 ms, and the wait ends at the first
 * wake-up past ms: 0 to 55 ms late (spinning out the rest would cost the CPU time saved). */
static void pause_ms(uint32_t ms, int *stop)
{
	/* ms * 1193.182 ticks, without a 64-bit division (no libgcc) */
	uint64_t end = ticks() + (uint64_t)ms * 1193u + (ms % 100000u) * 182u / 1000u;
	for (uint32_t sleeps = 0;; sleeps++) {
		if (power_button_pressed()) {
			*stop = 1;
			return;
		}
		uint16_t before = pit_last;
		uint64_t now = ticks();
		/* From the 2nd wake-up on, exactly one reload lies between this read and the last one
		 * (each wake-up is a new IRQ0, raised at a reload, and we read right after it), so
		 * the reads are one period apart, give or take the wake-up latency: when this
		 * wake-up came as late or later after its reload than the last one, the counter did
		 * not rise (counting 0 as 65536) and ticks() missed the wrap (without this, a 250 ms
		 * pause took about 500 ms).  The 1st wake-up can be an IRQ0 left pending from a reload
		 * before the pause, which ticks() has already seen. */
		if (sleeps >= 2 && (uint16_t)(pit_last - 1) <= (uint16_t)(before - 1)) {
			pit_total += 65536;
			now += 65536;
		}
		if (now >= end)
			break;
		__asm__ volatile("sti; hlt; cli" ::: "memory");	/* IRQ0 is the only one unmasked */
	}
}

void havm_main(uint32_t magic, const struct multiboot_info *mbi)
{
	serial_init();
	idt_init();
	pic_init();
	pit_init();
	crc_init();
	const char *cmdline = NULL;
	if (magic == 0x2BADB002u && (mbi->flags & 4))
		cmdline = (const char *)mbi->cmdline;
	uint32_t interval = arg_u32(cmdline, "havm.interval=", 250);
	uint32_t count = arg_u32(cmdline, "havm.count=", 0);
	l_str("INIT havm-bare interval=");
	l_u64(interval);
	l_str(" count=");
	l_u64(count);
	l_send();
	acpi_init();
	acpi_enable();
	outb(ATA_CTL, 0x02);	/* nIEN: no disk interrupts, we poll */

	uint64_t found = 0, boot = 0;
	for (;;) {
		int bad = 0;
		found = boot = 0;
		for (uint32_t s = 0; s < NSLOTS && !bad; s++) {
			uint64_t c, b;
			if (ata_read(s * SECTORS_PER_REC, SECTORS_PER_REC, buf) < 0) {
				l_str("ERROR read slot ");
				l_u64(s);
				l_str(": ");
				l_str(ata_err);
				l_send();
				bad = 1;
			} else if (check_record(buf, s, &c, &b) && c > found) {
				found = c;
				boot = b;
			}
		}
		if (!bad)
			break;
		int dummy = 0;
		pause_ms(1000, &dummy);
	}
	say_n("FOUND ", found);
	boot += 1;
	say("READY");

	uint64_t n = found;
	uint32_t done = 0;
	int stop = 0;
	while (!stop && (count == 0 || done < count)) {
		uint64_t next = n + 1;
		make_record(rec, next, boot);
#ifdef HAVM_BARE_EARLY_ACK
		say_n("ACK ", next);	/* MUTANT (build-bare --mutant early-ack): ACK before the write */
#endif
		uint32_t lba = (uint32_t)(next % NSLOTS) * SECTORS_PER_REC;
		if (ata_write(lba, SECTORS_PER_REC, rec) < 0) {
			l_str("ERROR write ");
			l_u64(next);
			l_str(": ");
			l_str(ata_err);
			l_send();
			pause_ms(1000, &stop);
			continue;
		}
		if (ata_flush() < 0) {
			l_str("ERROR flush ");
			l_u64(next);
			l_str(": ");
			l_str(ata_err);
			l_send();
			pause_ms(1000, &stop);
			continue;	/* rewrite the same record: never ACK without a good flush */
		}
		n = next;
		done++;
#ifndef HAVM_BARE_EARLY_ACK
		say_n("ACK ", n);
#endif
		if (power_button_pressed())
			stop = 1;
		else if (interval)
			pause_ms(interval, &stop);
	}
	say_n("STOP ", n);
	power_off();
}
