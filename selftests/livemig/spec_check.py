#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Check that the uapi header, the module's policies and the YNL spec agree.

uapi/linux/livemig.h, kmod/netlink.c and Documentation/netlink/specs/
livemig.yaml describe one ABI three times. This test reads all three and
prints KTAP: every spec attribute and operation must exist in the header
with the same number, every operation must have a genl_ops entry with the
spec's flags, a doit for a spec "do" and a dumpit for a spec "dump" (and
none without), and a policy accepting exactly the spec's request
attributes with the spec's types; notifications and the kernel's unicast
messages ("notify" or "event" operations) must have no genl_ops entry, so
that sending them is refused. Every attribute an operation names must be
in its attribute set, every nest must name an attribute set, every
multicast group an operation uses must be declared, and nothing may exist
in the header or the module that the spec does not describe.

Usage: spec_check.py [REPO]
"""
import pathlib
import re
import sys

import yaml

NLA_TYPES = {
    'u8': {'NLA_U8'}, 'u16': {'NLA_U16', 'NLA_BE16'}, 'u32': {'NLA_U32', 'NLA_BE32'},
    'u64': {'NLA_U64', 'NLA_UINT'}, 's32': {'NLA_S32'}, 's64': {'NLA_S64'},
    'string': {'NLA_NUL_STRING', 'NLA_STRING'}, 'binary': {'NLA_BINARY'},
    'flag': {'NLA_FLAG'}, 'nest': {'NLA_NESTED', 'NLA_NESTED_ARRAY'},
}


def c_name(prefix, name):
    return (prefix + name).upper().replace('-', '_')


def parse_enum(text, enum):
    """Values of an enum's members, as the C compiler would number them."""
    m = re.search(r'enum\s+%s\s*\{(.*?)\};' % enum, text, re.S)
    if not m:
        return {}
    body = re.sub(r'/\*.*?\*/', '', m.group(1), flags=re.S)
    values, nxt = {}, 0
    for item in body.split(','):
        item = item.strip()
        if not item:
            continue
        name, _, val = item.partition('=')
        name, val = name.strip(), val.strip()
        if val:
            # Only literals and earlier members appear here (X = __X - 1).
            nxt = eval(val, {'__builtins__': {}}, dict(values))
        values[name] = nxt
        nxt += 1
    return values


# Kernel constants that policies may use besides the uapi header's.
KERNEL_CONSTS = {
    'MAX_ERRNO': 4095, 'U8_MAX': 0xff, 'U16_MAX': 0xffff, 'U32_MAX': 0xffffffff,
    'S32_MAX': 0x7fffffff, 'U64_MAX': 0xffffffffffffffff,
}


def parse_defines(text):
    """Numeric #defines (literals or simple expressions such as (16 << 20))
    and enum members of a header, by name."""
    env = {}
    for m in re.finditer(r'^#define\s+(\w+)\s+([^"\n]+?)\s*(?:/\*.*)?$', text, re.M):
        expr = m.group(2)
        if not re.fullmatch(r'[\w\s()<>+\-*/|&~]+', expr):
            continue
        try:
            env[m.group(1)] = c_eval(re.sub(r'\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]*\b', r'\1', expr), env)
        except (NameError, SyntaxError, TypeError):
            pass
    for m in re.finditer(r'enum\s+(\w+)\s*\{', text):
        env.update(parse_enum(text, m.group(1)))
    return env


def c_eval(expr, env):
    expr = expr.strip()
    return eval(expr, {'__builtins__': {}}, dict(env))


def split_args(args):
    """Split macro arguments at top-level commas."""
    out, depth, cur = [], 0, ''
    for ch in args:
        if ch == ',' and depth == 0:
            out.append(cur.strip())
            cur = ''
            continue
        depth += ch == '('
        depth -= ch == ')'
        cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def parse_policy_entry(entry, text, env):
    """One policy initializer -> {'type', 'min', 'max', 'len', 'nested'}."""
    entry = entry.strip()
    m = re.match(r'(NLA_POLICY_\w+)\((.*)\)$', entry, re.S)
    if m:
        macro, args = m.group(1), split_args(m.group(2))
        if macro == 'NLA_POLICY_NESTED':
            return {'type': 'NLA_NESTED', 'nested': args[0]}
        if macro == 'NLA_POLICY_EXACT_LEN':
            return {'type': 'NLA_BINARY', 'exact_len': c_eval(args[0], env)}
        pol = {'type': args[0]}
        if macro == 'NLA_POLICY_MAX':
            pol['max'] = c_eval(args[1], env)
        elif macro == 'NLA_POLICY_MIN':
            pol['min'] = c_eval(args[1], env)
        elif macro == 'NLA_POLICY_RANGE':
            pol['min'], pol['max'] = c_eval(args[1], env), c_eval(args[2], env)
        elif macro == 'NLA_POLICY_FULL_RANGE':
            r = re.search(r'netlink_range_validation\s+%s\b[^=]*=\s*\{(.*?)\}' % args[1].lstrip('&'), text, re.S)
            if r:
                for k in ('min', 'max'):
                    v = re.search(r'\.%s\s*=\s*([^,\n]+)' % k, r.group(1))
                    if v:
                        pol[k] = c_eval(v.group(1), env)
        return pol
    m = re.match(r'\{(.*)\}$', entry, re.S)
    pol = {}
    if m:
        for k, v in re.findall(r'\.(\w+)\s*=\s*([^,]+)', m.group(1)):
            pol[k] = v.strip() if k == 'type' else c_eval(v, env)
    return pol


def strip_comments(text):
    return re.sub(r'//[^\n]*', '', re.sub(r'/\*.*?\*/', '', text, flags=re.S))


def split_top(body):
    """Split an initializer list at the commas outside brackets."""
    out, depth, cur = [], 0, ''
    for ch in body:
        if ch == ',' and depth == 0:
            out.append(cur)
            cur = ''
            continue
        depth += ch in '([{'
        depth -= ch in ')]}'
        cur += ch
    out.append(cur)
    return [x.strip() for x in out if x.strip()]


def parse_policies(text, env):
    """policy name -> {attribute: parsed entry}

    Entries may span lines and carry comments."""
    out = {}
    for m in re.finditer(r'nla_policy\s+(\w+)\s*\[[^\]]*\]\s*=\s*\{(.*?)\n\};', text, re.S):
        attrs = {}
        for item in split_top(strip_comments(m.group(2))):
            a = re.match(r'\[(LIVEMIG_\w+)\]\s*=\s*(.*)$', item, re.S)
            if a:
                attrs[a.group(1)] = parse_policy_entry(a.group(2).strip(), text, env)
        out[m.group(1)] = attrs
    return out


def parse_ops(text):
    """command -> {'policy': name, 'flags': set(), 'doit': bool, 'dumpit': bool}"""
    ops = {}
    for m in re.finditer(r'\{\s*(?:/\*[^{}]*?\*/\s*)?\.cmd\s*=\s*(LIVEMIG_CMD_\w+),(.*?)\n\t\}', text, re.S):
        body = strip_comments(m.group(2))
        pol = re.search(r'\.policy\s*=\s*(\w+)', body)
        flags = re.search(r'\.flags\s*=\s*([\w |]+)', body)
        ops[m.group(1)] = {
            'policy': pol.group(1) if pol else None,
            'flags': set(f.strip() for f in flags.group(1).split('|')) if flags else set(),
            'doit': re.search(r'\.doit\s*=\s*\w', body) is not None,
            'dumpit': re.search(r'\.dumpit\s*=\s*\w', body) is not None,
        }
    return ops


def op_attr_lists(op):
    """(where, attribute names) of every list an operation gives."""
    out = []
    for kind in ('do', 'dump'):
        for part in ('request', 'reply'):
            lst = (op.get(kind) or {}).get(part) or {}
            out.append((f'{kind} {part}', lst.get('attributes', [])))
    out.append(('event', (op.get('event') or {}).get('attributes', [])))
    return out


def spec_value(v, consts):
    return consts[v] if isinstance(v, str) else v


def compare_policy(spec, sets, prefixes, set_name, req, pol, policies, env, consts):
    """Differences between a spec attribute list and a kernel policy."""
    enums = {d['name']: d for d in spec.get('definitions', []) if d['type'] == 'enum'}
    aset = sets[set_name]
    prefix = prefixes[set_name]
    diffs = []
    want = {c_name(prefix, a): aset[c_name(prefix, a)][1] for a in req}
    for cname, a in want.items():
        p = pol.get(cname)
        if p is None:
            diffs.append(f'{cname} in the spec request, not in the policy')
            continue
        typ = a['type']
        if p.get('type') not in NLA_TYPES.get(typ, {typ}):
            diffs.append(f'{cname}: spec {typ}, policy {p.get("type")}')
            continue
        checks = dict(a.get('checks', {}))
        if 'enum' in a:
            checks.setdefault('max', len(enums[a['enum']]['entries']) - 1)
        if typ == 'string':
            if 'max-len' in checks and p.get('len') != spec_value(checks['max-len'], consts):
                diffs.append(f'{cname}: spec max-len {checks["max-len"]}, policy len {p.get("len")}')
        elif typ == 'binary':
            # { .type = NLA_BINARY, .len = N } bounds the length like a max.
            have = dict(p, max=p.get('max', p.get('len')))
            for k, pk in (('exact-len', 'exact_len'), ('min-len', 'min'), ('max-len', 'max')):
                if k in checks and have.get(pk) != spec_value(checks[k], consts):
                    diffs.append(f'{cname}: spec {k} {checks[k]}, policy {have.get(pk)}')
        elif typ == 'nest':
            nested = policies.get(p.get('nested'))
            sub = a['nested-attributes']
            if sub not in sets:
                diffs.append(f'{cname}: nested attribute set {sub} is not in the spec')
            elif nested is None:
                diffs.append(f'{cname}: nested policy {p.get("nested")} not found')
            elif sub == set_name:
                # A list of entries of this same set, e.g. networks -> network.
                diffs += compare_policy(spec, sets, prefixes, set_name,
                                        [k[len(prefix):].lower().replace('_', '-') for k in nested],
                                        nested, policies, env, consts)
            else:
                diffs += compare_policy(spec, sets, prefixes, sub,
                                        [x['name'] for x in spec_set(spec, sub)['attributes']],
                                        nested, policies, env, consts)
        else:
            for k in ('min', 'max'):
                if spec_value(checks.get(k), consts) != p.get(k):
                    diffs.append(f'{cname}: spec {k} {checks.get(k)}, policy {p.get(k)}')
    for cname in set(pol) - set(want):
        diffs.append(f'{cname} accepted by the policy, not in the spec request')
    return diffs


def spec_set(spec, name):
    return next(s for s in spec['attribute-sets'] if s['name'] == name)


class Ktap:
    def __init__(self):
        self.points = []

    def check(self, ok, desc, diag=''):
        self.points.append((ok, desc, diag))

    def finish(self):
        print('TAP version 13')
        print('1..%d' % len(self.points))
        for i, (ok, desc, diag) in enumerate(self.points, 1):
            print('%s %d - %s' % ('ok' if ok else 'not ok', i, desc))
            if not ok and diag:
                for line in diag.splitlines():
                    print('# ' + line)
        return 0 if all(p[0] for p in self.points) else 1


def main():
    top = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[2])
    spec = yaml.safe_load((top / 'Documentation/netlink/specs/livemig.yaml').read_text())
    hdr = (top / 'uapi/linux/livemig.h').read_text()
    nlc = (top / 'kmod/netlink.c').read_text()
    t = Ktap()

    cmds = parse_enum(hdr, 'livemig_cmd')
    ops = parse_ops(nlc)

    # Attribute sets: names and numbers.
    sets, prefixes = {}, {}
    for aset in spec['attribute-sets']:
        prefix = aset.get('name-prefix', spec['name'] + '-a-')
        enum = parse_enum(hdr, 'livemig_attr' if aset['name'] == spec['name'] else 'livemig_%s_attr' % aset['name'].replace('-', '_'))
        want, nxt = {}, 1
        for a in aset['attributes']:
            nxt = a.get('value', nxt)
            want[c_name(prefix, a['name'])] = (nxt, a)
            nxt += 1
        have = {k: v for k, v in enum.items() if not k.startswith('__') and not k.endswith(('_MAX', '_UNSPEC'))}
        bad = [f'{n}: spec {v[0]}, header {have.get(n)}' for n, v in want.items() if have.get(n) != v[0]]
        t.check(not bad, f'attribute set {aset["name"]}: every spec attribute is in the header with its number', '\n'.join(bad))
        extra = sorted(set(have) - set(want))
        t.check(not extra, f'attribute set {aset["name"]}: the header has no attribute the spec lacks', ' '.join(extra))
        sets[aset['name']] = want
        prefixes[aset['name']] = prefix

    # Operations: numbers, flags, policies.
    want_ops = {}
    nxt = 1
    op_prefix = spec['operations'].get('name-prefix', spec['name'] + '-cmd-')
    for op in spec['operations']['list']:
        nxt = op.get('value', nxt)
        want_ops[c_name(op_prefix, op['name'])] = (nxt, op)
        nxt += 1
    have_ops = {k: v for k, v in cmds.items() if not k.startswith('__') and not k.endswith(('_MAX', '_UNSPEC'))}
    bad = [f'{n}: spec {v[0]}, header {have_ops.get(n)}' for n, v in want_ops.items() if have_ops.get(n) != v[0]]
    t.check(not bad, 'every spec operation is in the header with its number', '\n'.join(bad))
    extra = sorted(set(have_ops) - set(want_ops))
    t.check(not extra, 'the header has no command the spec lacks', ' '.join(extra))
    extra = sorted(set(ops) - set(want_ops))
    env = dict(KERNEL_CONSTS)
    env.update(parse_defines(hdr))
    consts = {d['name']: d['value'] for d in spec.get('definitions', []) if d['type'] == 'const'}
    policies = parse_policies(nlc, env)
    t.check(not extra, 'the module implements no command the spec lacks', ' '.join(extra))

    # The spec's own consistency: names that lead somewhere.
    set_names = {a['name'] for a in spec['attribute-sets']}
    bad = [f'{aset["name"]}.{a["name"]} -> {a.get("nested-attributes")}'
           for aset in spec['attribute-sets'] for a in aset['attributes']
           if a['type'] == 'nest' and a.get('nested-attributes') not in set_names]
    t.check(not bad, 'every nest attribute names an attribute set of the spec', '\n'.join(bad))
    for cname, (_, op) in want_ops.items():
        prefix = prefixes[op['attribute-set']]
        names = {c_name(prefix, a['name']) for a in spec_set(spec, op['attribute-set'])['attributes']}
        bad = [f'{where}: {a}' for where, lst in op_attr_lists(op) for a in lst
               if c_name(prefix, a) not in names]
        t.check(not bad, f'{op["name"]}: every attribute it names is in attribute set {op["attribute-set"]}',
                '\n'.join(bad))
    groups = {g['name'] for g in spec.get('mcast-groups', {}).get('list', [])}
    op_names = {op['name']: op for _, op in want_ops.values()}
    for cname, (_, op) in want_ops.items():
        if 'notify' in op:
            target = op_names.get(op['notify'], {})
            t.check(any('reply' in (target.get(k) or {}) for k in ('do', 'dump')),
                    f'{op["name"]}: notifies with the reply of {op["notify"]}, which has one')
        if 'mcgrp' in op:
            t.check(op['mcgrp'] in groups, f'{op["name"]}: multicast group {op["mcgrp"]} is declared')

    notify_ops = {k: v for k, v in want_ops.items() if 'notify' in v[1] or 'event' in v[1]}
    for cname, (_, op) in want_ops.items():
        if cname in notify_ops:
            continue
        o = ops.get(cname)
        if o is None:
            t.check(False, f'{op["name"]}: implemented by the module', 'no genl_ops entry')
            continue
        admin = 'admin-perm' in op.get('flags', [])
        t.check(admin == ('GENL_ADMIN_PERM' in o['flags']),
                f'{op["name"]}: admin-perm in the spec and GENL_ADMIN_PERM in the module agree',
                f'spec flags {op.get("flags")}, module flags {sorted(o["flags"])}')
        t.check(('do' in op) == o['doit'] and ('dump' in op) == o['dumpit'],
                f'{op["name"]}: the module has a doit for "do" and a dumpit for "dump", and no other',
                f'spec: {"do " if "do" in op else ""}{"dump" if "dump" in op else ""}; '
                f'module: {"doit " if o["doit"] else ""}{"dumpit" if o["dumpit"] else ""}')
        aset = sets[op['attribute-set']]
        req = set()
        for kind in ('do', 'dump'):
            if kind in op:
                req |= set(op[kind].get('request', {}).get('attributes', []))
        pol = policies.get(o['policy'])
        if pol is None:
            t.check(False, f'{op["name"]}: has a policy', f'policy {o["policy"]} not found')
            continue
        diffs = compare_policy(spec, sets, prefixes, op['attribute-set'], req, pol, policies, env, consts)
        t.check(not diffs, f'{op["name"]}: the policy accepts exactly the spec request attributes, with their types and bounds', '\n'.join(diffs))

    for cname, (_, op) in notify_ops.items():
        what = 'a notification' if 'mcgrp' in op else 'a unicast message from the kernel'
        t.check(cname not in ops, f'{op["name"]}: {what}, refused as a request', 'it has a genl_ops entry')

    # Multicast groups and constants.
    for g in spec.get('mcast-groups', {}).get('list', []):
        name = c_name('livemig-mcgrp-', g['name'])
        m = re.search(r'#define\s+%s\s+"([^"]+)"' % name, hdr)
        t.check(m is not None and m.group(1) == g['name'], f'multicast group {g["name"]} is {name} in the header')
        t.check(re.search(r'\.name\s*=\s*%s' % name, nlc) is not None, f'multicast group {g["name"]} is registered by the module')
    for d in spec.get('definitions', []):
        if d['type'] == 'enum':
            prefix = d.get('name-prefix', 'livemig-%s-' % d['name'])
            bad = []
            for i, e in enumerate(d['entries']):
                ename = c_name(prefix, e['name'] if isinstance(e, dict) else e)
                if env.get(ename) != i:
                    bad.append(f'{ename}: spec {i}, header {env.get(ename)}')
            t.check(not bad, f'enum {d["name"]}: every entry is in the header with its value', '\n'.join(bad))
            continue
        if d['type'] != 'const':
            continue
        name = c_name('livemig-', d['name'])
        t.check(re.search(r'#define\s+%s\b' % name, hdr) is not None and env.get(name) == d['value'],
                f'constant {d["name"]} is {name} = {d["value"]} in the header',
                f'header: {env.get(name)}')

    return t.finish()


if __name__ == '__main__':
    sys.exit(main())
