#!/usr/bin/python3
"""Every ipset and policy of a running firewalld, runtime and permanent, read over D-Bus
with firewalld's own client library in one process (firewall-cmd costs ~0.3 s a call).

  firewalld_objects.py
      Prints one JSON object: {"runtime": CONFIG, "permanent": CONFIG}, where CONFIG is
      {"ipsets": {name: [line, ...]}, "policies": {name: [line, ...]}} and the lines are
      what firewall-cmd --info-ipset / --info-policy show ("type: hash:net",
      "priority: -100", one line per entry or rich rule, ...), sorted.

Run with Debian's /usr/bin/python3 (python3-firewall), next to the daemon's bus.
"""

import json

from firewall.client import FirewallClient


def ipset_lines(settings):
    options = " ".join(f"{k}={v}" if v else k for k, v in sorted(settings.getOptions().items()))
    return sorted([f"type: {settings.getType()}", f"options: {options}"] + [str(e) for e in settings.getEntries()])


def policy_lines(settings):
    lines = [
        f"priority: {settings.getPriority()}",
        f"target: {settings.getTarget()}",
        "ingress-zones: " + " ".join(settings.getIngressZones()),
        "egress-zones: " + " ".join(settings.getEgressZones()),
        "services: " + " ".join(sorted(settings.getServices())),
        "ports: " + " ".join(sorted(f"{p}/{proto}" for p, proto in settings.getPorts())),
        "masquerade: " + ("yes" if settings.getMasquerade() else "no"),
    ]
    return sorted(lines + [str(rule) for rule in settings.getRichRules()])


def main():
    client = FirewallClient()
    config = client.config()
    runtime = {
        "ipsets": {n: ipset_lines(client.getIPSetSettings(n)) for n in client.getIPSets()},
        "policies": {n: policy_lines(client.getPolicySettings(n)) for n in client.getPolicies()},
    }
    permanent = {
        "ipsets": {str(n): ipset_lines(config.getIPSetByName(n).getSettings()) for n in config.getIPSetNames()},
        "policies": {str(n): policy_lines(config.getPolicyByName(n).getSettings()) for n in config.getPolicyNames()},
    }
    print(json.dumps({"runtime": runtime, "permanent": permanent}, sort_keys=True))


if __name__ == "__main__":
    main()
