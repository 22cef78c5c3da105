{#- Wait until drbdha.status is healthy on this node: DRBD connected and
    UpToDate, the cluster quorate, every guest running where its DRBD is Primary. #}
drbdha-verify-healthy:
  drbdha.healthy:
    - timeout: 900
