# cleanup of (d), then (f) standby node and maintenance mode
P=pacemaker/2.1.5; C=crmsh/4.4.1
"$FASTLAB" exec node-1 crm resource stop rsc_kvm_broken
"$FASTLAB" exec node-1 crm configure delete rsc_kvm_broken
cap $C crm-resource-cleanup-rsc_kvm_havm.txt node-1 "After (d): cleanup of havm's failure." -- crm resource cleanup rsc_kvm_havm
"$FASTLAB" exec node-1 crm_resource --wait --timeout=120s
cap $C crm-node-standby-node-1.txt node-1 "Healthy, havm + Promoted on node-1. Put node-1 in standby." -- crm node standby node-1
"$FASTLAB" exec node-1 crm_resource --wait --timeout=120s
S="Situation (f1): \`crm node standby node-1\` (lifetime default forever): node-1 standby, havm + Promoted moved to node-2, node-1 runs nothing."
cap $P crm_mon-standby-node-1.xml node-1 "$S" -- crm_mon -1 --output-as=xml
cap $P crm_mon-standby-node-1.txt node-1 "$S" -- crm_mon -1
cap $P cibadmin-Q-o-nodes-standby.xml node-1 "$S" -- cibadmin -Q -o nodes
cap $C crm-configure-show-standby.txt node-1 "$S" -- crm configure show
cap $C crm-node-online-node-1.txt node-1 "node-1 in standby. Bring it back." -- crm node online node-1
"$FASTLAB" exec node-1 crm_resource --wait --timeout=120s
S="Situation (f1b): after \`crm node online node-1\`: both online; stickiness keeps havm on node-2."
cap $P crm_mon-after-online.xml node-1 "$S" -- crm_mon -1 --output-as=xml
cap $C crm-configure-property-maintenance-mode-true.txt node-1 "Healthy. Cluster-wide maintenance mode on." -- crm configure property maintenance-mode=true
"$FASTLAB" exec node-1 crm_resource --wait --timeout=60s
S="Situation (f2): maintenance-mode=true (cluster property): all resources unmanaged, still running where they were."
cap $P crm_mon-maintenance-mode.xml node-1 "$S" -- crm_mon -1 --output-as=xml
cap $P crm_mon-maintenance-mode.txt node-1 "$S" -- crm_mon -1
cap $C crm-configure-property-maintenance-mode-false.txt node-1 "Maintenance mode off." -- crm configure property maintenance-mode=false
"$FASTLAB" exec node-1 crm_resource --wait --timeout=60s
cap $C crm-node-maintenance-node-2.txt node-1 "Healthy. Node-level maintenance on node-2." -- crm node maintenance node-2
"$FASTLAB" exec node-1 crm_resource --wait --timeout=60s
S="Situation (f3): \`crm node maintenance node-2\`: node-2 maintenance=true (node attribute), its resources unmanaged."
cap $P crm_mon-node-maintenance-node-2.xml node-1 "$S" -- crm_mon -1 --output-as=xml
cap $C crm-node-ready-node-2.txt node-1 "Node maintenance off for node-2." -- crm node ready node-2
"$FASTLAB" exec node-1 crm_resource --wait --timeout=60s
cap $C crm-resource-maintenance-on.txt node-1 "Healthy. Resource-level maintenance for havm." -- crm resource maintenance rsc_kvm_havm on
S="Situation (f4): \`crm resource maintenance rsc_kvm_havm on\` (meta maintenance=true on havm only)."
cap $P crm_mon-resource-maintenance.xml node-1 "$S" -- crm_mon -1 --output-as=xml
cap $C crm-resource-maintenance-off.txt node-1 "Resource maintenance off." -- crm resource maintenance rsc_kvm_havm off
"$FASTLAB" exec node-1 crm_resource --wait --timeout=60s
