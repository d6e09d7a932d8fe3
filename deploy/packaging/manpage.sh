#!/bin/sh
# Writes the man page eks-sre-mcp(1), gzipped, from the binary's own --help (run with an empty environment, so
# no configuration of the machine building it changes the text).
#   manpage.sh BINARY OUT.1.gz
set -eu
binary="$1"
out="$2"
home="$(mktemp -d)"
trap 'rm -rf "$home"' EXIT
help="$(cd "$home" && env -i PATH=/usr/bin:/bin HOME="$home" "$binary" --help)"
version="$(env -i PATH=/usr/bin:/bin HOME="$home" "$binary" --version)"
{
  printf '.TH EKS-SRE-MCP 1 "" "%s" "User Commands"\n' "$version"
  printf '.SH NAME\neks-sre-mcp \\- an MCP server of SRE tools for Kubernetes and EKS\n'
  printf '.SH SYNOPSIS\n.B eks-sre-mcp\n.I COMMAND\n[\\fIARGS\\fR] [\\fIFLAGS\\fR]\n'
  printf '.SH DESCRIPTION\nThe output of \\fBeks-sre-mcp \\-\\-help\\fR:\n.PP\n.nf\n'
  # roff: a backslash is written \e; a line starting with . or ' is protected with \&.
  printf '%s\n' "$help" | sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
  printf '.fi\n'
  printf '.SH FILES\n.TP\n.I /etc/eks-sre-mcp/config.yaml\nthe configuration of the eks-sre-mcp service\n'
  printf '.TP\n.I /etc/eks-sre-mcp/policy.yaml\nthe safety policy\n'
  printf '.TP\n.I /etc/eks-sre-mcp/kubeconfig\nthe kubeconfig the service uses (a systemd credential)\n'
  printf '.TP\n.I /etc/eks-sre-mcp/environment\nsecrets: ANTHROPIC_API_KEY, GITHUB_TOKEN, TEAMS_WEBHOOK_URL, SLACK_WEBHOOK_URL\n'
  printf '.TP\n.I /var/lib/eks-sre-mcp\nthe service'"'"'s state: audit log, plans, the monitor'"'"'s store and reports\n'
  printf '.SH SEE ALSO\n.BR kubectl (1),\n.BR systemctl (1)\n'
} | gzip -9n >"$out.tmp"
mv "$out.tmp" "$out"
