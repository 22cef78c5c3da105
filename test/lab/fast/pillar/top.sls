base:
  '*':
    - fastlab
