# (a) healthy: both online, havm started on the promoted node
P=pacemaker/2.1.5; C=crmsh/4.4.1
S="Situation (a) healthy: node-1+node-2 online, ms_drbd_res0 (ocf:pacemaker:Stateful standing in for ocf:linbit:drbd) Promoted on node-1, rsc_kvm_havm Started on node-1, fence_fastlab started."
cap $P crm_mon-healthy.xml node-1 "$S" -- crm_mon -1 --output-as=xml
cap $P crm_mon-healthy-inactive.xml node-1 "$S" -- crm_mon -1 --output-as=xml --inactive
cap $P crm_mon-healthy.txt node-1 "$S" -- crm_mon -1
cap $P cibadmin-Q-healthy.xml node-1 "$S" -- cibadmin -Q
cap $P crm_resource-list.txt node-1 "$S" -- crm_resource --list
cap $P crm_resource-locate-rsc_kvm_havm.txt node-1 "$S" -- crm_resource --locate -r rsc_kvm_havm
cap $P crm_resource-locate-ms_drbd_res0.txt node-1 "$S" -- crm_resource --locate -r ms_drbd_res0
cap $P crm_resource-locate-rsc_drbd_res0.txt node-1 "$S" -- crm_resource --locate -r rsc_drbd_res0
cap $P corosync-cfgtool-s.txt node-1 "$S corosync 3.1.7-1+deb12u2 (knet, two_node)." -- corosync-cfgtool -s
cap $P corosync-quorumtool-s.txt node-1 "$S corosync 3.1.7-1+deb12u2 (knet, two_node)." -- corosync-quorumtool -s
cap $C crm-configure-show.txt node-1 "$S" -- crm configure show
cap $C crm-configure-show-xml.xml node-1 "$S" -- crm configure show xml
cap $C crm-status.txt node-1 "$S" -- crm status
