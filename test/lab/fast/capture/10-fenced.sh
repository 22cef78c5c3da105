# (e) fencing: node-2 (running havm + Promoted) crashed with `fastlab kill node-2` (SIGKILL of its PID 1);
#     node-1 fenced it through fence_fastlab (reboot: host helper confirms it dead, boots it again)
P=pacemaker/2.1.5
S="Situation (e1): seconds after node-2 was crashed (SIGKILL of the container's PID 1) and fenced by node-1 with stonith:fence_fastlab (reboot, successful); node-2 OFFLINE (rebooting), havm failed over to node-1. XML output includes <fence_history> by default."
cap $P crm_mon-fenced-node-2-offline.xml node-1 "$S" -- crm_mon -1 --output-as=xml
cap $P crm_mon-fenced-node-2-offline-fence-history-3.xml node-1 "$S" -- crm_mon -1 --output-as=xml --fence-history=3
cap $P crm_mon-fenced-node-2-offline.txt node-1 "$S" -- crm_mon -1 --fence-history=3
cap $P stonith_admin-history.txt node-1 "$S" -- stonith_admin --history '*' --verbose
cap $P stonith_admin-history.xml node-1 "$S" -- stonith_admin --history '*' --output-as=xml
