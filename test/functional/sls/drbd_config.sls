{#- Used by test_states_on_minion.py: drbdadm.config, with the directory and the files from pillar. #}
drbdha-test-drbd-config:
  drbdadm.config:
    - name: {{ pillar["target"] }}
    - files: {{ pillar["files"] | json }}
