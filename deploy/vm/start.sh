#!/bin/sh
# Starts the effect-memberlist agent on a VM: finds seeds as SEEDS_FROM says
# (see agent.env), then execs the agent, so it is the process systemd signals.
set -eu

agent="/opt/effect-memberlist/packages/cli/dist/main.js"
port=7946

# The VM's private IP, from the cloud's metadata service, when not given.
private_ip() {
  case "${SEEDS_FROM:-}" in
    aws)
      token=$(curl -fsS -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 60" http://169.254.169.254/latest/api/token)
      curl -fsS -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/local-ipv4 ;;
    gcp)
      curl -fsS -H "Metadata-Flavor: Google" \
        http://metadata.google.internal/computeMetadata/v1/instance/network-interfaces/0/ip ;;
    *) hostname -I | cut -d' ' -f1 ;;
  esac
}

# host:port seeds, comma-separated, from the cloud's list of the group's instances.
seeds() {
  case "${SEEDS_FROM:-dns}" in
    aws)
      aws ec2 describe-instances \
        --filters "Name=tag:aws:autoscaling:groupName,Values=${SEEDS_AWS_ASG}" "Name=instance-state-name,Values=running" \
        --query 'Reservations[].Instances[].PrivateIpAddress' --output text ;;
    gcp)
      gcloud compute instances list --filter="labels.${SEEDS_GCP_LABEL%%=*}=${SEEDS_GCP_LABEL#*=} AND status=RUNNING" \
        --format='value(networkInterfaces[0].networkIP)' ;;
    *) return 0 ;;
  esac | tr -s ' \t\n' '\n' | sed '/^$/d; s/$/:'"$port"'/' | paste -sd, -
}

: "${SWIM_ADVERTISE_ADDRESS:=$(private_ip)}"
export SWIM_ADVERTISE_ADDRESS

case "${SEEDS_FROM:-dns}" in
  aws|gcp)
    # A list read once: the agent keeps asking for peers it does not know, but
    # from this list. Members that join later find the cluster through it as
    # long as one of these is still up; DNS (SEEDS_FROM=dns) is re-read each time.
    found=$(seeds)
    [ -n "$found" ] && export SWIM_JOIN="$found" ;;
esac

exec node "$agent" agent \
  --json \
  --bind "0.0.0.0:$port" \
  --key-file /etc/effect-memberlist/keys \
  --http 0.0.0.0:8080
