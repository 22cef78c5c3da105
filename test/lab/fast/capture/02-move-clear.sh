# (b) crm resource move → cli-prefer constraint; then crm resource clear
P=pacemaker/2.1.5; C=crmsh/4.4.1
cap $C crm-resource-move-rsc_kvm_havm-node-2.txt node-1 "Situation (a) before: havm on node-1. The move command itself (stdout; stderr kept if any)." -- crm resource move rsc_kvm_havm node-2
"$FASTLAB" exec node-1 crm_resource --wait --timeout=120s
S="Situation (b) after \`crm resource move rsc_kvm_havm node-2\` and \`crm_resource --wait\`: cli-prefer-rsc_kvm_havm (role Started, score INFINITY, node-2) present; havm and the Promoted role moved to node-2."
cap $P crm_mon-moved-node-2.xml node-1 "$S" -- crm_mon -1 --output-as=xml
cap $P crm_mon-moved-node-2-inactive.xml node-1 "$S" -- crm_mon -1 --output-as=xml --inactive
cap $P cibadmin-Q-o-constraints-cli-prefer.xml node-1 "$S" -- cibadmin -Q -o constraints
cap $P cibadmin-Q-cli-prefer.xml node-1 "$S" -- cibadmin -Q
cap $P crm_resource-locate-rsc_kvm_havm-moved.txt node-1 "$S" -- crm_resource --locate -r rsc_kvm_havm
cap $C crm-configure-show-cli-prefer.txt node-1 "$S" -- crm configure show
cap $C crm-configure-show-xml-cli-prefer.xml node-1 "$S" -- crm configure show xml
cap $C crm-resource-clear-rsc_kvm_havm.txt node-1 "Situation (b) with cli-prefer-rsc_kvm_havm present: the clear command itself." -- crm resource clear rsc_kvm_havm
"$FASTLAB" exec node-1 crm_resource --wait --timeout=120s
S="Situation (b) after \`crm resource clear rsc_kvm_havm\`: no cli-* constraint; resource-stickiness=100 keeps havm and the Promoted role on node-2."
cap $P crm_mon-after-clear.xml node-1 "$S" -- crm_mon -1 --output-as=xml
cap $P cibadmin-Q-o-constraints-after-clear.xml node-1 "$S" -- cibadmin -Q -o constraints
