base:
  '*':
    - drbdha
