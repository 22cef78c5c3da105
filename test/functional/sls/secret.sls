{#- Used by test_states.py: the authkey state, with the file path from pillar. #}
drbdha-test-secret:
  drbdha.secret_file:
    - name: {{ pillar["target"] }}
    - pillar_key: drbdha:cluster:authkey
    - encoding: base64
    - mode: "0400"
