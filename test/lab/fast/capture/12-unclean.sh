# (c2) node-1 (DC, running havm + Promoted) crashed hard; fencing made to fail (`fastlab fence-mode fail`):
#      node-1 stays UNCLEAN, its resources are shown where they were, nothing is recovered
P=pacemaker/2.1.5
"$FASTLAB" kill node-1
sleep 25
S="Situation (c2): node-1 (DC, running havm + Promoted) crashed hard (SIGKILL of its container's PID 1); stonith-enabled=true but fencing fails (fence_fastlab answers failure): node-1 UNCLEAN (offline), havm + Promoted still shown on node-1, nothing recovered; failed fencing attempts in the fence history. Captured on node-2 about 25 s after the crash."
cap $P crm_mon-node-1-unclean.xml node-2 "$S" -- crm_mon -1 --output-as=xml
cap $P crm_mon-node-1-unclean-inactive.xml node-2 "$S" -- crm_mon -1 --output-as=xml --inactive
cap $P crm_mon-node-1-unclean.txt node-2 "$S" -- crm_mon -1 --fence-history=3
cap $P stonith_admin-history-failed.txt node-2 "$S" -- stonith_admin --history '*' --verbose
cap $P crm_resource-locate-rsc_kvm_havm-unclean.txt node-2 "$S" -- crm_resource --locate -r rsc_kvm_havm
cap $P corosync-quorumtool-s-unclean.txt node-2 "$S" -- corosync-quorumtool -s
