/* Multiboot (v1) entry of havm-bare: the loader (qemu -kernel) jumps here in 32-bit protected
 * mode, paging off, EAX = 0x2BADB002, EBX = multiboot info.  Load our own GDT, set up a stack
 * and call C.  Also the interrupt entry points that havm-bare.c puts in its IDT. */
	.set MB_MAGIC, 0x1BADB002
	.set MB_FLAGS, 0x00000003		/* page-align modules, want memory info */
	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.section .text
	.globl _start
_start:
	cli
	cld
	/* Multiboot leaves GDTR possibly invalid (it may point into the loader's memory), and every
	 * interrupt loads CS from the GDT, and iret again: so use a GDT of our own. */
	lgdt gdt_desc
	ljmp $0x08, $1f
1:	movw $0x10, %cx			/* not %ax: EAX holds the multiboot magic */
	movw %cx, %ds
	movw %cx, %es
	movw %cx, %fs
	movw %cx, %gs
	movw %cx, %ss
	movl $stack_top, %esp
	pushl %ebx			/* multiboot info */
	pushl %eax			/* magic */
	call havm_main
2:	cli
	hlt
	jmp 2b

/* IRQ0 (PIT channel 0, vector 0x20): it only ends a hlt in pause_ms(), so acknowledge it to
 * the master PIC and return; the time itself is read from the PIT counter. */
	.globl irq0_entry
irq0_entry:
	pushl %eax
	movb $0x20, %al
	outb %al, $0x20			/* non-specific EOI */
	popl %eax
	iret

/* Vectors 0x21-0xFF: every other IRQ is masked, so only a spurious one could come here; it
 * needs no EOI. */
	.globl ignore_entry
ignore_entry:
	iret

/* Exceptions 0-31: 32 stubs of 16 bytes each (havm-bare.c: exc_entries + 16 * vector).  Each
 * makes the same frame (vector, error code or 0, then the CPU's EIP, CS, EFLAGS) for
 * havm_exception(vector, error, eip), which prints it and halts. */
	.globl exc_entries
	.align 16
exc_entries:
	.set vec, 0
	.rept 32
	.align 16
	.if !(vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30)
	pushl $0			/* the CPU pushed no error code: keep the frame the same */
	.endif
	pushl $vec
	jmp exc_common
	.set vec, vec + 1
	.endr
exc_common:
	call havm_exception		/* does not return */
3:	cli
	hlt
	jmp 3b

	.section .rodata
	.align 8
gdt:
	.quad 0				/* 0x00: null */
	.quad 0x00CF9A000000FFFF	/* 0x08: code, base 0, limit 4 GiB, 32-bit, ring 0 */
	.quad 0x00CF92000000FFFF	/* 0x10: data, base 0, limit 4 GiB, writable */
gdt_desc:
	.word gdt_desc - gdt - 1
	.long gdt

	.section .bss
	.align 16
	.space 65536
stack_top:
	.section .note.GNU-stack, "", @progbits
