# The lab's default node fencing: diskless SBD on each node's emulated i6300esb watchdog, and
# the quorum host's vote (the lab's third VM, through the host links; see test/lab/lab).
drbdha:
  cluster:
    stonith:
      mode: sbd
      sbd:
        watchdog_module: i6300esb
        watchdog_timeout: 25
    qdevice:
      host: 10.0.2.100
      qnetd_minion: qnetd
      sync_timeout: 20000
