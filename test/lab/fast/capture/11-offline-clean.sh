# (e2) healthy again with a fence history; (c) one node offline (clean stop), one node unclean
P=pacemaker/2.1.5
"$FASTLAB" exec node-1 crm_resource --wait --timeout=120s
S="Situation (e2): after (e1), node-2 rebooted and rejoined: both online, havm + Promoted on node-1, fence history holds the successful reboot of node-2."
cap $P crm_mon-healthy-with-fence-history.xml node-1 "$S" -- crm_mon -1 --output-as=xml
"$FASTLAB" stop node-2
"$FASTLAB" exec node-1 crm_resource --wait --timeout=120s
S="Situation (c1): node-2 shut down cleanly (\`systemctl poweroff\` in its container: pacemaker and corosync stopped in order): node-2 OFFLINE (clean), node-1 runs havm + Promoted."
cap $P crm_mon-node-2-offline-clean.xml node-1 "$S" -- crm_mon -1 --output-as=xml
cap $P crm_mon-node-2-offline-clean-inactive.xml node-1 "$S" -- crm_mon -1 --output-as=xml --inactive
cap $P crm_mon-node-2-offline-clean.txt node-1 "$S" -- crm_mon -1
cap $P corosync-cfgtool-s-peer-down.txt node-1 "$S corosync 3.1.7." -- corosync-cfgtool -s
cap $P corosync-quorumtool-s-peer-down.txt node-1 "$S corosync 3.1.7 (two_node keeps quorum)." -- corosync-quorumtool -s
cap $P crm_resource-locate-ms_drbd_res0-one-node.txt node-1 "$S" -- crm_resource --locate -r ms_drbd_res0
