// Kubernetes RBAC evaluated as the API server's authorizer does (rbac/v1 evaluation helpers): a request is
// allowed when a rule of a role bound to the subject matches its API group, resource (with subresource), verb
// and name. ClusterRoles bound by ClusterRoleBindings apply everywhere; a RoleBinding grants its role in its own
// namespace only. Nothing is denied explicitly in RBAC: what no rule allows is refused.

// `resource` is "pods" or "pods/log"; `name` is empty for list, watch, create and deletecollection.
export function ruleAllows(rule, { group, resource, verb, name = '' }) {
  const has = (list, value) => (list ?? []).includes(value);
  if (!has(rule.apiGroups, '*') && !has(rule.apiGroups, group)) return false;
  if (!has(rule.verbs, '*') && !has(rule.verbs, verb)) return false;
  const sub = resource.includes('/') ? resource.slice(resource.indexOf('/') + 1) : '';
  const resourceMatch = (rule.resources ?? []).some((r) => r === '*' || r === resource || (sub && r === `*/${sub}`));
  if (!resourceMatch) return false;
  // "An empty set means that everything is allowed"; a named rule never matches a request without a name.
  if ((rule.resourceNames ?? []).length === 0) return true;
  return name !== '' && rule.resourceNames.includes(name);
}

// The roles bound to the ServiceAccount `sa` in `saNamespace`, each with where it applies ('*' or a namespace).
export function grantsOf(objects, sa, saNamespace) {
  const find = (kind, name, ns) => objects.find((o) => o.kind === kind && o.metadata.name === name &&
    (ns === undefined || o.metadata.namespace === ns));
  const boundToUs = (binding) => (binding.subjects ?? []).some((s) =>
    s.kind === 'ServiceAccount' && s.name === sa && s.namespace === saNamespace);
  const grants = [];
  for (const b of objects) {
    if ((b.kind !== 'ClusterRoleBinding' && b.kind !== 'RoleBinding') || !boundToUs(b)) continue;
    const scope = b.kind === 'ClusterRoleBinding' ? '*' : b.metadata.namespace;
    const role = b.roleRef.kind === 'ClusterRole' ? find('ClusterRole', b.roleRef.name)
      : find('Role', b.roleRef.name, b.metadata.namespace);
    if (!role) throw new Error(`${b.kind} ${b.metadata.name} refers to a missing ${b.roleRef.kind} ${b.roleRef.name}`);
    if (role.aggregationRule) throw new Error(`${role.metadata.name} aggregates other roles: its rules are not ours`);
    grants.push({ binding: b.metadata.name, role, scope });
  }
  return grants;
}

// Whether the grants allow `request` ({group, resource, verb, name, namespace}; no namespace: cluster-wide).
export function allowed(grants, request) {
  return grants.some(({ role, scope }) => (scope === '*' || scope === request.namespace) &&
    (role.rules ?? []).some((rule) => ruleAllows(rule, request)));
}

// Every (group, resource, verb, name, scope) the grants spell out, for a "nothing else" comparison.
export function expand(grants) {
  const out = [];
  for (const { role, scope } of grants) {
    for (const rule of role.rules ?? []) {
      if (rule.nonResourceURLs) throw new Error(`${role.metadata.name} grants non-resource URLs`);
      for (const group of rule.apiGroups) for (const resource of rule.resources) for (const verb of rule.verbs) {
        for (const name of rule.resourceNames?.length ? rule.resourceNames : ['']) out.push({ group, resource, verb, name, scope });
      }
    }
  }
  return out;
}

// A request of kubesim's log as RBAC sees it: API group, resource[/subresource], verb, name, namespace; null for
// discovery (/api, /apis, /version, …), which every authenticated user may read.
export function attributes({ method, path: p, query }) {
  const m = p.match(/^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)\/(.+)$/);
  if (!m) return null;
  let parts = m[2].split('/');
  let namespace;
  if (parts[0] === 'namespaces' && parts.length >= 3) {
    namespace = parts[1];
    parts = parts.slice(2);
  }
  // Segments after the subresource (a node proxy's path) are the subresource's own.
  const [resource, name = '', sub] = parts;
  const list = /(^|&)watch=(1|true)/.test(query ?? '') ? 'watch' : 'list';
  const verbs = { GET: name ? 'get' : list, POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: name ? 'delete' : 'deletecollection' };
  return { group: m[1] ?? '', resource: sub ? `${resource}/${sub}` : resource, verb: verbs[method], name, namespace };
}
