base:
  'node-*':
    - drbdha
