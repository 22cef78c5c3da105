/* Multiboot (v1) entry of havm-bare: the loader (qemu -kernel) jumps here in 32-bit protected
 * mode, paging off, EAX = 0x2BADB002, EBX = multiboot info.  Set up a stack and call C. */
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
	movl $stack_top, %esp
	pushl %ebx			/* multiboot info */
	pushl %eax			/* magic */
	call havm_main
1:	cli
	hlt
	jmp 1b

	.section .bss
	.align 16
	.space 65536
stack_top:
	.section .note.GNU-stack, "", @progbits
