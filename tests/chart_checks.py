"""What the program means a zot chart to run, checked on the objects `helm template` rendered.

The checks know the settings and the program's builders, never a chart's values: the same checks serve the
giantswarm/zot chart and the upstream project-zot chart, whose values are shaped differently. Each takes the rendered
objects and the settings (plus what only the caller knows, such as a name) and raises AssertionError saying what the
render got wrong.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]

from components.builders import chart_values
from components.builders.names import claim_name, member_claim_names
from components.builders.zot_config import render_zot_config
from components.settings import Settings
from components.settings.units import parse_go_memory, parse_quantity
from tests.samples import keys_of

Manifest = dict[str, Any]

# The newest Kubernetes whose schemas kubernetes-validate 1.37 bundles (requirements-dev.txt pins that minor).
KUBERNETES_VERSION = "1.37"
# The zot image's CMD is `serve /etc/zot/config.json`; the charts set no args, so that is the file zot reads.
ZOT_CONFIG_PATH = "/etc/zot/config.json"
WORKLOAD_KINDS = ("StatefulSet", "Deployment")
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")


def zot_config(settings: Settings) -> dict[str, Any]:
    return json.loads(render_zot_config(settings, keys_of(settings)))


def of_kind(manifests: list[Manifest], kind: str) -> list[Manifest]:
    return [m for m in manifests if m["kind"] == kind]


def named(manifests: list[Manifest], kind: str, name: str) -> Manifest:
    found = [m for m in of_kind(manifests, kind) if m["metadata"]["name"] == name]
    assert len(found) == 1, f"the render has {len(found)} {kind} named {name!r}"
    return found[0]


def workload(manifests: list[Manifest]) -> Manifest:
    found = [m for m in manifests if m["kind"] in WORKLOAD_KINDS]
    assert len(found) == 1, f"expected one StatefulSet or Deployment, the render has {len(found)}"
    return found[0]


def pod_spec(manifests: list[Manifest]) -> dict[str, Any]:
    spec: dict[str, Any] = workload(manifests)["spec"]["template"]["spec"]
    return spec


def zot_container(manifests: list[Manifest]) -> dict[str, Any]:
    (container,) = pod_spec(manifests)["containers"]
    return container


def resolve_port(container: dict[str, Any], port: int | str) -> int | None:
    """A port as Kubernetes resolves it: a number, or the name of one of the container's ports."""
    if isinstance(port, int):
        return port
    by_name = {p["name"]: p["containerPort"] for p in container.get("ports", []) if "name" in p}
    return by_name.get(port)


def selects_pod(service: Manifest, manifests: list[Manifest]) -> bool:
    labels = workload(manifests)["spec"]["template"]["metadata"]["labels"]
    selector = service["spec"].get("selector") or {}
    return bool(selector) and selector.items() <= labels.items()


# ------------------------------------------------------------------------------------------------ checks


def check_workload(manifests: list[Manifest], settings: Settings, name: str) -> None:
    """A StatefulSet with its own volume when the cache persists, else a Deployment; where the settings say."""
    found = workload(manifests)
    kind = "StatefulSet" if settings.storage.persistence else "Deployment"
    got = (found["kind"], found["metadata"]["name"])
    assert got == (kind, name), f"the workload is {got}, meant {(kind, name)}"
    assert found["metadata"]["namespace"] == settings.app.namespace, f"{got} is not in {settings.app.namespace}"
    spec = found["spec"]
    if found["kind"] == "Deployment" and settings.strategy is not None:
        assert spec.get("strategy", {}).get("type") == settings.strategy, "the Deployment ignores the strategy"
    # A StatefulSet has no `strategy` field (the program warns that strategy is ignored); strict validation of the
    # object would refuse one, so none may have slipped in.
    assert found["kind"] == "Deployment" or "strategy" not in spec, "the StatefulSet has a strategy field"


def claims(manifests: list[Manifest]) -> dict[str, dict[str, Any]]:
    """Name -> spec of every volume claim the install makes: one per template of the StatefulSet and ordinal (the
    controller names it <template>-<StatefulSet>-<ordinal>), and the program's own, which the controller uses
    instead of its template where the names are the same."""
    found: dict[str, dict[str, Any]] = {}
    owner = workload(manifests)
    for template in owner["spec"].get("volumeClaimTemplates", []):
        for ordinal in range(owner["spec"].get("replicas", 1)):
            found[f"{template['metadata']['name']}-{owner['metadata']['name']}-{ordinal}"] = template["spec"]
    found.update({m["metadata"]["name"]: m["spec"] for m in of_kind(manifests, "PersistentVolumeClaim")})
    return found


def check_storage(manifests: list[Manifest], settings: Settings) -> None:
    """zot's storage root is on the volume claim the alerts watch, of the settings' size and class, or on an
    emptyDir."""
    root = zot_config(settings)["storage"]["rootDirectory"]
    mounts = [m for m in zot_container(manifests).get("volumeMounts", []) if m["mountPath"] == root]
    assert len(mounts) == 1, f"{len(mounts)} volumes are mounted at {root}, zot's storage root"
    mount = mounts[0]
    (volume,) = [v for v in pod_spec(manifests).get("volumes", []) if v["name"] == mount["name"]] or [None]
    if not settings.storage.persistence:
        assert volume is not None, f"{root} is on a volume claim template, though storage.persistence is false"
        assert "emptyDir" in volume, f"{root} is not on an emptyDir"
        return
    owner = workload(manifests)
    if volume is None:
        # A template: each pod its own claim.
        mounted = [f"{mount['name']}-{owner['metadata']['name']}-{i}" for i in range(owner["spec"].get("replicas", 1))]
    else:
        assert "persistentVolumeClaim" in volume, f"{root} is on the pod's volume {volume}, not on a claim"
        mounted = [volume["persistentVolumeClaim"]["claimName"]]
    made = claims(manifests)
    for claim in mounted:
        assert claim in made, f"{root} is on claim {claim}, which nothing in the install makes (made: {sorted(made)})"
    watched = member_claim_names(settings) if settings.scale.clustered else [claim_name(settings)]
    assert mounted == watched, f"{root} is on claims {mounted}; the alerts watch {watched}"
    for claim in mounted:
        size, storage_class = made[claim]["resources"]["requests"]["storage"], made[claim].get("storageClassName")
        assert size == settings.storage.size, f"claim {claim} asks for {size}, meant {settings.storage.size}"
        assert storage_class == settings.storage.storage_class, f"claim {claim}'s class is {storage_class}"


def check_statefulset_service(manifests: list[Manifest], settings: Settings) -> None:
    """A StatefulSet's serviceName is the Service that gives its pod a stable DNS name; it must exist."""
    found = workload(manifests)
    assert found["kind"] == "StatefulSet", "only a StatefulSet has a serviceName"
    name = found["spec"].get("serviceName")
    assert name, "the StatefulSet has no serviceName"
    service = named(manifests, "Service", name)
    assert selects_pod(service, manifests), f"Service {name} does not select the StatefulSet's pod"


def check_no_removed_apis(manifests: list[Manifest], settings: Settings) -> None:
    """Kubernetes serves every kind the render has (an install that applies a removed one fails), custom resources
    aside; PodSecurityPolicy (policy/v1beta1, removed in 1.25) by name, as the chart renders it by default."""
    found = [m["metadata"]["name"] for m in of_kind(manifests, "PodSecurityPolicy")]
    assert not found, f"the render has PodSecurityPolicy {found}, removed in Kubernetes 1.25"
    for manifest in manifests:
        if (manifest["apiVersion"], manifest["kind"]) in CUSTOM_RESOURCES:
            continue
        try:
            kubernetes_validate.validate(manifest, KUBERNETES_VERSION)
        except kubernetes_validate.SchemaNotFoundError:
            raise AssertionError(
                f"Kubernetes {KUBERNETES_VERSION} serves no {manifest['kind']} in {manifest['apiVersion']}"
            ) from None
        except kubernetes_validate.ValidationError:
            pass  # served; whether valid is check_valid_for_kubernetes's question


def check_ports(manifests: list[Manifest], settings: Settings, in_cluster_url: str) -> None:
    """Probes and the Service reach the port zot listens on (config.json http.port); the program's in-cluster URL
    names the rendered Service and its port."""
    listens = int(zot_config(settings)["http"]["port"])
    scheme = "HTTPS" if "tls" in zot_config(settings)["http"] else "HTTP"
    container = zot_container(manifests)
    for probe in PROBES:
        get = container[probe]["httpGet"]
        assert resolve_port(container, get["port"]) == listens, f"{probe} is on {get['port']}, zot on {listens}"
        assert get.get("scheme", "HTTP") == scheme, f"{probe} speaks {get.get('scheme')}, zot {scheme}"
    services = [s for s in of_kind(manifests, "Service") if selects_pod(s, manifests)]
    assert services, "no Service selects the zot pod"
    for service in services:
        for port in service["spec"]["ports"]:
            target = resolve_port(container, port.get("targetPort", port["port"]))
            assert target == listens, f"Service {service['metadata']['name']} targets {target}, zot is on {listens}"
    match = re.fullmatch(r"http://([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local:(\d+)", in_cluster_url)
    assert match, f"{in_cluster_url} is no in-cluster URL"
    service = named(manifests, "Service", match[1])
    got = (service["metadata"]["namespace"], service["spec"]["type"])
    assert got == (match[2], settings.service.type), f"Service {match[1]} is {got}, meant {settings.service.type}"
    (port,) = [p for p in service["spec"]["ports"] if p["port"] == int(match[3])] or [{}]
    assert port, f"Service {match[1]} has no port {match[3]}, which the in-cluster URL names"
    assert port.get("nodePort") == settings.service.node_port, f"nodePort {port.get('nodePort')}"


def container_env(manifests: list[Manifest]) -> dict[str, str]:
    """The zot container's environment as the kubelet fills it: plain values, and keys of the render's Secrets."""
    env: dict[str, str] = {}
    for entry in zot_container(manifests).get("env", []):
        if "value" in entry:
            env[entry["name"]] = entry["value"]
        elif ref := entry.get("valueFrom", {}).get("secretKeyRef"):
            env[entry["name"]] = base64.b64decode(named(manifests, "Secret", ref["name"])["data"][ref["key"]]).decode()
    return env


def mounted_files(manifests: list[Manifest]) -> dict[str, tuple[str, str]]:
    """Every file the zot container sees from a ConfigMap or Secret of the render: path -> (kind, text)."""
    volumes = {v["name"]: v for v in pod_spec(manifests).get("volumes", [])}
    files: dict[str, tuple[str, str]] = {}
    for mount in zot_container(manifests).get("volumeMounts", []):
        volume = volumes.get(mount["name"], {})
        if "configMap" in volume:
            kind, source = "ConfigMap", volume["configMap"]
            data = dict(named(manifests, kind, source["name"]).get("data", {}))
        elif "secret" in volume:
            kind, source = "Secret", volume["secret"]
            encoded = named(manifests, kind, source["secretName"]).get("data", {})
            # An empty file renders as `key:` (null: b64enc of "" is ""), which the API server stores as empty.
            data = {key: base64.b64decode(text or "").decode() for key, text in encoded.items()}
        else:
            continue
        paths = {item["key"]: item["path"] for item in source["items"]} if "items" in source else {k: k for k in data}
        if "subPath" in mount:
            reverse = {path: key for key, path in paths.items()}
            files[mount["mountPath"]] = (kind, data[reverse[mount["subPath"]]])
            continue
        for key, path in paths.items():
            files[f"{mount['mountPath'].rstrip('/')}/{path}"] = (kind, data[key])
    return files


def check_config_mounted(manifests: list[Manifest], settings: Settings) -> None:
    """The file zot reads is, byte for byte, the config.json the program built: from a ConfigMap, or from the
    chart's Secret when it holds a password (a Redis remote cache's)."""
    files = mounted_files(manifests)
    assert ZOT_CONFIG_PATH in files, f"nothing is mounted at {ZOT_CONFIG_PATH}; mounted: {sorted(files)}"
    kind, text = files[ZOT_CONFIG_PATH]
    built = render_zot_config(settings, keys_of(settings))
    cache = settings.scale.remote_cache
    password = cache.redis.password if cache is not None and cache.redis is not None else None
    expected = "Secret" if password is not None and password.get_secret_value() in built else "ConfigMap"
    assert kind == expected, f"{ZOT_CONFIG_PATH} comes from a {kind}, not a {expected}"
    assert text == built, f"{ZOT_CONFIG_PATH} differs from the config.json the program built"


def check_secret_files(manifests: list[Manifest], settings: Settings) -> None:
    """Where config.json points for htpasswd and sync credentials, a Secret's file is mounted, holding every
    login and every upstream host with credentials (the chart's sample users would mean other logins)."""
    config = zot_config(settings)
    files = mounted_files(manifests)
    htpasswd = config["http"].get("auth", {}).get("htpasswd", {}).get("path")
    assert (htpasswd is not None) == bool(settings.all_users), "config.json's htpasswd does not follow the users"
    if htpasswd is not None:
        assert files.get(htpasswd, ("", ""))[0] == "Secret", f"no Secret file is mounted at {htpasswd}"
        names = sorted(line.split(":")[0] for line in files[htpasswd][1].splitlines() if line)
        assert names == sorted(user.name for user in settings.all_users), f"{htpasswd} has the logins {names}"
    credentials = config["extensions"]["sync"].get("credentialsFile")
    hosts = sorted(host for r in settings.registries if r.credentials is not None for host in r.hosts)
    assert (credentials is not None) == bool(hosts), "config.json's credentialsFile does not follow the credentials"
    if credentials is not None:
        assert files.get(credentials, ("", ""))[0] == "Secret", f"no Secret file is mounted at {credentials}"
        assert sorted(json.loads(files[credentials][1])) == hosts, f"{credentials} has other hosts than {hosts}"


def check_ingress(manifests: list[Manifest], settings: Settings) -> None:
    """An Ingress only when asked for, with the program's annotations, class, hosts and TLS, sending every path to
    a port of the rendered Service."""
    ingresses = of_kind(manifests, "Ingress")
    ingress = settings.ingress
    if not ingress.enabled:
        assert not ingresses, "the render has an Ingress the settings did not ask for"
        return
    (found,) = ingresses
    annotations = {**chart_values.default_annotations(ingress), **ingress.annotations}
    got = found["metadata"].get("annotations", {})
    assert got == annotations, f"Ingress annotations {got}, meant {annotations}"
    spec = found["spec"]
    assert spec.get("ingressClassName") == ingress.class_name, f"Ingress class {spec.get('ingressClassName')}"
    hosts = [rule["host"] for rule in spec["rules"]]
    assert hosts == list(ingress.hosts), f"Ingress hosts {hosts}"
    for rule in spec["rules"]:
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            service = named(manifests, "Service", backend["name"])
            ports = [p["port"] for p in service["spec"]["ports"]]
            assert backend["port"]["number"] in ports, f"Ingress sends to port {backend['port']}, not in {ports}"
    tls = [{"secretName": chart_values.ingress_tls_secret(ingress, settings.app.name), "hosts": list(ingress.hosts)}]
    assert spec.get("tls", []) == (tls if ingress.tls else []), f"TLS is {spec.get('tls')}"


def check_resources(manifests: list[Manifest], settings: Settings) -> None:
    """The pod asks for the settings' requests and limits; with VPA, the VPA keeps between requests and maxAllowed
    and scales the workload the render has; without VPA there is none."""
    resources = settings.resources
    wanted = {"requests": resources.requests.model_dump(), "limits": resources.limits.model_dump()}
    got = zot_container(manifests)["resources"]
    assert got == wanted, f"the container's resources are {got}, meant {wanted}"
    autoscalers = of_kind(manifests, "VerticalPodAutoscaler")
    if not resources.vpa.enabled:
        assert not autoscalers, "the render has a VerticalPodAutoscaler though vpa.enabled is false"
        return
    assert len(autoscalers) == 1, f"vpa.enabled but the render has {len(autoscalers)} VerticalPodAutoscalers"
    spec = autoscalers[0]["spec"]
    found = workload(manifests)
    target = {"apiVersion": "apps/v1", "kind": found["kind"], "name": found["metadata"]["name"]}
    assert spec["targetRef"] == target, f"the VPA targets {spec['targetRef']}, the render has {target}"
    (policy,) = spec["resourcePolicy"]["containerPolicies"]
    assert policy["containerName"] == zot_container(manifests)["name"], f"VPA policy for {policy['containerName']}"
    # Compared as quantities: the chart writes the bounds unquoted, so "2" comes back as the number 2.
    for bound, meant in (("minAllowed", resources.requests), ("maxAllowed", resources.vpa.max_allowed)):
        got = {kind: parse_quantity(str(amount)) for kind, amount in policy[bound].items()}
        assert got == {kind: parse_quantity(amount) for kind, amount in meant.model_dump().items()}, (
            f"VPA {bound} is {policy[bound]}, meant {meant.model_dump()}"
        )


def check_go_env(manifests: list[Manifest], settings: Settings) -> None:
    """GOGC/GOMEMLIMIT as the program sets them; with VPA no GOMEMLIMIT (the limit moves, it would not), without
    VPA one below the memory limit, so Go collects before the pod is OOM-killed."""
    env = zot_container(manifests).get("env") or []
    names = [item["name"] for item in env]
    assert len(names) == len(set(names)), f"env names repeat: {names}"
    go = {item["name"]: item["value"] for item in env if item["name"] in ("GOGC", "GOMEMLIMIT")}
    meant = {item["name"]: item["value"] for item in chart_values.go_runtime_env(settings.resources)}
    assert go == meant, f"the Go env is {go}, meant {meant}"
    if settings.resources.vpa.enabled:
        assert "GOMEMLIMIT" not in go, "GOMEMLIMIT is fixed while VPA moves the memory limit"
    else:
        limit = settings.resources.limits.memory
        assert parse_go_memory(go["GOMEMLIMIT"]) < parse_quantity(limit), f"GOMEMLIMIT is not below {limit}"


# The volume types Pod Security's "restricted" profile allows.
RESTRICTED_VOLUMES = set("configMap csi downwardAPI emptyDir ephemeral persistentVolumeClaim projected secret".split())


def check_restricted(manifests: list[Manifest], settings: Settings) -> None:
    """The pod meets Pod Security's "restricted" profile (Giant Swarm clusters enforce it), so admission lets it
    run: not root, no privilege escalation, all capabilities dropped, the runtime's seccomp profile, no host
    namespaces, only the allowed volume types."""
    spec = pod_spec(manifests)
    pod = spec.get("securityContext") or {}
    for name in ("hostNetwork", "hostPID", "hostIPC"):
        assert not spec.get(name), f"the pod sets {name}"
    kinds = {kind for volume in spec.get("volumes", []) for kind in volume if kind != "name"}
    assert kinds <= RESTRICTED_VOLUMES, f"the pod has volumes of types {sorted(kinds - RESTRICTED_VOLUMES)}"
    for container in spec["containers"] + spec.get("initContainers", []):
        own = container.get("securityContext") or {}
        where = f"container {container['name']}"
        assert own.get("runAsNonRoot", pod.get("runAsNonRoot")) is True, f"{where} may run as root"
        assert own.get("runAsUser", pod.get("runAsUser")) != 0, f"{where} runs as user 0"
        assert own.get("allowPrivilegeEscalation") is False, f"{where} allows privilege escalation"
        assert not own.get("privileged"), f"{where} is privileged"
        capabilities = own.get("capabilities") or {}
        assert "ALL" in capabilities.get("drop", []), f"{where} keeps capabilities (drop: {capabilities.get('drop')})"
        assert set(capabilities.get("add", [])) <= {"NET_BIND_SERVICE"}, f"{where} adds {capabilities.get('add')}"
        seccomp = (own.get("seccompProfile") or pod.get("seccompProfile") or {}).get("type")
        assert seccomp in ("RuntimeDefault", "Localhost"), f"{where} has seccomp profile {seccomp}"


def check_metrics(manifests: list[Manifest], settings: Settings) -> None:
    """A ServiceMonitor only when asked for, scraping the path zot serves metrics on, as the scrape user with its
    password where zot wants a login, else anonymously where zot lets anyone read /metrics."""
    monitors = of_kind(manifests, "ServiceMonitor")
    wanted = settings.metrics.enabled and settings.metrics.service_monitor
    assert len(monitors) == int(wanted), f"the render has {len(monitors)} ServiceMonitors, meant {int(wanted)}"
    if not wanted:
        return
    config = zot_config(settings)
    (endpoint,) = monitors[0]["spec"]["endpoints"]
    path = config["extensions"]["metrics"]["prometheus"]["path"]
    assert endpoint.get("path") == path, f"the ServiceMonitor scrapes {endpoint.get('path')}, zot serves {path}"
    access = config["http"].get("accessControl", {}).get("metrics", {})
    if "basicAuth" not in endpoint:
        anonymous = "auth" not in config["http"] or "read" in access.get("anonymousPolicy", [])
        assert anonymous, "the ServiceMonitor has no login and zot lets nobody read /metrics without one"
        return
    login = {
        part: base64.b64decode(named(manifests, "Secret", ref["name"])["data"][ref["key"]]).decode()
        for part, ref in endpoint["basicAuth"].items()
    }
    scraper = settings.scrape_user
    assert scraper is not None, "the ServiceMonitor logs in, but the settings name no scrape user"
    assert login["username"] in access.get("users", []), f"zot does not let {login['username']} read /metrics"
    assert login["username"] == scraper.name, f"the ServiceMonitor logs in as {login['username']}, not {scraper.name}"
    password = scraper.password.get_secret_value() if scraper.password else None
    assert login["password"] == password, "the ServiceMonitor's password is not the scrape user's"


# ------------------------------------------------------------------------------ validity for Kubernetes


def _check_autoscaler(autoscaler: Manifest, manifests: list[Manifest]) -> None:
    """A VPA refers to its workload and container by name; Kubernetes accepts a VPA whose target does not exist."""
    target = autoscaler["spec"]["targetRef"]
    found = named(manifests, target["kind"], target["name"])
    assert target["apiVersion"] == found["apiVersion"], f"the VPA targets {target['apiVersion']}"
    containers = {c["name"] for c in found["spec"]["template"]["spec"]["containers"]}
    for policy in autoscaler["spec"]["resourcePolicy"]["containerPolicies"]:
        assert policy["containerName"] in containers, f"VPA policy for unknown container {policy['containerName']}"
        for bound in ("minAllowed", "maxAllowed"):
            for kind, amount in policy[bound].items():
                # The VPA CRD's quantities are int-or-string (kubernetes/autoscaler vpa-v1-crd-gen.yaml): a YAML float,
                # such as an unquoted 0.5, is refused on apply.
                assert isinstance(amount, str | int), f"VPA {bound}.{kind} is the {type(amount).__name__} {amount}"
                parse_quantity(str(amount))


def _check_service_monitor(monitor: Manifest, manifests: list[Manifest]) -> None:
    """A ServiceMonitor finds its Service by labels and port name, and its login in a Secret: none of which the API
    server checks, so a wrong one scrapes nothing, silently. It scrapes the main Service only: the headless one has
    the same pods, and every series would come twice."""
    spec = monitor["spec"]
    services = _monitored_services(monitor, manifests)
    assert services, "the ServiceMonitor selects no Service of the render"
    headless = [s["metadata"]["name"] for s in services if s["spec"].get("clusterIP") == "None"]
    assert not headless, f"the ServiceMonitor also scrapes the headless Service {headless}: every series twice"
    for endpoint in spec["endpoints"]:
        ports = {p.get("name") for s in services for p in s["spec"]["ports"]}
        assert endpoint["port"] in ports, f"ServiceMonitor port {endpoint['port']} is none of {sorted(ports)}"
        for ref in endpoint.get("basicAuth", {}).values():
            assert ref["key"] in named(manifests, "Secret", ref["name"])["data"], f"no {ref['key']} in {ref['name']}"


def _monitored_services(monitor: Manifest, manifests: list[Manifest]) -> list[Manifest]:
    """The Services whose targets Prometheus keeps: selected by labels and namespace, then by the endpoints' `keep`
    relabelings on the Service's name (Prometheus's relabel_config: the regex must match the whole value)."""
    spec = monitor["spec"]
    namespaces = spec.get("namespaceSelector", {}).get("matchNames", [monitor["metadata"]["namespace"]])
    selector = spec["selector"]["matchLabels"].items()
    keeps = [
        relabeling["regex"]
        for endpoint in spec["endpoints"]
        for relabeling in endpoint.get("relabelings", [])
        if relabeling.get("action", "replace").lower() == "keep"
        and relabeling.get("sourceLabels") == ["__meta_kubernetes_service_name"]
    ]
    return [
        s
        for s in of_kind(manifests, "Service")
        if s["metadata"]["namespace"] in namespaces
        and selector <= s["metadata"].get("labels", {}).items()
        and all(re.fullmatch(keep, s["metadata"]["name"]) for keep in keeps)
    ]


def _check_prometheus_rule(rule: Manifest, manifests: list[Manifest]) -> None:
    """The rules' matchers name what the render makes: `job` the Service the ServiceMonitor scrapes
    (Prometheus Operator's job label), `namespace` the ServiceMonitor's, the claim the StatefulSet's and the
    container zot's. A wrong one matches nothing and the alert stays silent forever."""
    exprs = " ".join(r["expr"] for group in rule["spec"]["groups"] for r in group["rules"])
    matched = {key: set(re.findall(rf'\b{key}="([^"]*)"', exprs)) for key in ("job", "namespace", "container")}
    (monitor,) = of_kind(manifests, "ServiceMonitor")
    scraped = {s["metadata"]["name"] for s in _monitored_services(monitor, manifests)}
    assert matched["job"], "the rules select no job"
    assert matched["job"] <= scraped, f"the rules select job {matched['job']}, scraped: {scraped}"
    namespace = monitor["metadata"]["namespace"]
    assert matched["namespace"] == {namespace}, f"the rules select namespace {matched['namespace']}, not {namespace}"
    assert matched["container"] == {zot_container(manifests)["name"]}, f"the rules select {matched['container']}"
    watched = set(re.findall(r'persistentvolumeclaim="([^"]*)"', exprs))
    patterns = set(re.findall(r'persistentvolumeclaim=~"([^"]*)"', exprs))
    if workload(manifests)["kind"] == "StatefulSet":
        names = set(claims(manifests))
        assert watched or patterns, "the rules watch no volume claim"
        assert watched <= names, f"the rules select claims {watched}, the install makes {names}"
        for pattern in patterns:
            # Prometheus anchors a matcher's regex: it must match the whole name.
            hits = {name for name in names if re.fullmatch(pattern, name)}
            assert hits == names, f"the rules' {pattern!r} matches claims {hits}, the install makes {names}"
    else:
        assert not (watched | patterns), "a Deployment has no volume claim to watch"


def _check_network_policy(policy: Manifest, manifests: list[Manifest]) -> None:
    """Cilium drops what its policy does not allow: it must select the zot pod, let in the cluster (the ingress
    controller, and nodes pulling over the NodePort: Cilium counts host and remote-node in it), and let out to the
    cluster (DNS) and the world (the upstream registries)."""
    spec = policy["spec"]
    selector = spec["endpointSelector"]["matchLabels"].items()
    pod_labels = workload(manifests)["spec"]["template"]["metadata"]["labels"].items()
    assert selector <= pod_labels, f"the CiliumNetworkPolicy selects {dict(selector)}, not the zot pod"
    allowed_in = {entity for rule in spec.get("ingress", []) for entity in rule.get("fromEntities", [])}
    allowed_out = {entity for rule in spec.get("egress", []) for entity in rule.get("toEntities", [])}
    assert "cluster" in allowed_in, f"the CiliumNetworkPolicy lets in only {sorted(allowed_in)}"
    assert {"cluster", "world"} <= allowed_out, f"the CiliumNetworkPolicy lets out only {sorted(allowed_out)}"


# Kinds kubernetes-validate has no schema for (CRDs), each with the check that stands in for one.
CUSTOM_RESOURCES: dict[tuple[str, str], Callable[[Manifest, list[Manifest]], None]] = {
    ("autoscaling.k8s.io/v1", "VerticalPodAutoscaler"): _check_autoscaler,
    ("monitoring.coreos.com/v1", "ServiceMonitor"): _check_service_monitor,
    ("monitoring.coreos.com/v1", "PrometheusRule"): _check_prometheus_rule,
    ("cilium.io/v2", "CiliumNetworkPolicy"): _check_network_policy,
}


def check_valid_for_kubernetes(manifests: list[Manifest], settings: Settings) -> None:
    """Every object passes Kubernetes' own schema, strict (unknown fields refused); custom resources, which it has no
    schema for, pass their CUSTOM_RESOURCES check instead. A kind in neither is an error, not a skip."""
    for manifest in manifests:
        where = f"{manifest['kind']} {manifest['metadata']['name']}"
        custom = CUSTOM_RESOURCES.get((manifest["apiVersion"], manifest["kind"]))
        if custom is not None:
            custom(manifest, manifests)
            continue
        try:
            kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.SchemaNotFoundError as error:
            raise AssertionError(
                f"{where}: {error.message}; removed from Kubernetes, or a CRD without a check"
            ) from None
        except kubernetes_validate.ValidationError as error:
            path = ".".join(str(part) for part in error.absolute_path)
            raise AssertionError(
                f"{where} is invalid for Kubernetes {KUBERNETES_VERSION} at {path}: {error.message}"
            ) from None
