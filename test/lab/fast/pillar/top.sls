base:
  '*':
    - fastlab
    - drbdha
