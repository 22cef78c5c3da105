# crm configure load: syntax error, unknown agent, stdin
C=crmsh/4.4.1
cap $C crm-configure-load-update-syntax-error.txt node-1 "Healthy cluster. /root/bad-syntax.crm holds (3 lines): 'primitive rsc_bad ocf:heartbeat:Dummy \\\\' / '    op monitor interval=10s timeout=' / ' colocation broken inf: rsc_bad' (a colocation with one resource only)." -- crm configure load update /root/bad-syntax.crm
cap $C crm-configure-load-update-unknown-agent.txt node-1 "Healthy cluster. /root/bad-agent.crm: 'primitive rsc_typo ocf:heartbeat:NoSuchAgent'." -- crm configure load update /root/bad-agent.crm
cap $C crm-configure-load-update-missing-file.txt node-1 "Healthy cluster; the file does not exist." -- crm configure load update /root/nosuch.crm
cap $C crm-configure-load-update-stdin.txt node-1 "Healthy cluster; \`crm configure load update -\` with stdin from /root/good-stdin.crm ('primitive rsc_dummy_stdin ocf:heartbeat:Dummy op monitor interval=30s'); shows whether '-' reads stdin (it did if rsc_dummy_stdin appears in crm-configure-show-after-stdin-load.txt)." -- sh -c 'crm configure load update - < /root/good-stdin.crm'
cap $C crm-configure-show-after-stdin-load.txt node-1 "After the stdin load above." -- crm configure show
