"""zot-cache: read the stack config once, deploy the cache, export what nodes and CI need to use it."""

import pulumi
import pulumi_kubernetes as k8s

from components.builders.names import in_cluster_url, registry_url, release_name, service_name
from components.builders.node_files import node_outputs
from components.builders.stack_keys import stack_keys
from components.stack_config import load_settings, read_stack_config
from components.zot_registry import ZotRegistry

# Asked once, here: the builders take the stack's name (in fixes to print) and derived keys as data and stay pure.
stack = pulumi.get_stack()
settings = load_settings(*read_stack_config(), stack=stack)
keys = stack_keys(settings.htpasswd_salt_key, pulumi.get_project(), stack)

opts = None
if settings.render_yaml_to_directory:
    renderer = k8s.Provider("render", render_yaml_to_directory=settings.render_yaml_to_directory)
    opts = pulumi.ResourceOptions(providers=[renderer])

registry = ZotRegistry(settings.app.name, settings, keys, stack, opts)

pulumi.export("registryUrl", registry_url(settings))
pulumi.export("inClusterUrl", in_cluster_url(settings))
pulumi.export("namespace", settings.app.namespace)
pulumi.export("releaseName", release_name(settings.app))
pulumi.export("serviceName", service_name(settings.app))
# The App, HelmRelease or Helm chart that installs zot: where to look when it does not come up.
pulumi.export("installer", {"platform": settings.platform, **registry.deployed.installer})
if registry.deployed.values_config_map is not None:
    pulumi.export("valuesConfigMap", registry.deployed.values_config_map)
pulumi.export("zotConfig", registry.zot_config)
# Plain digests, not secrets: the preview shows which password changed (docs/ci.md, "Reading a preview").
pulumi.export("secretFingerprints", registry.secret_fingerprints)
if settings.nodes is not None:
    # What containerd and CRI-O on the nodes need (docs/nodes.md); logins only in the secret output.
    node_files, node_credentials = node_outputs(settings)
    pulumi.export("nodes", node_files)
    if node_credentials is not None:
        pulumi.export("nodeCredentials", pulumi.Output.secret(node_credentials))
