#!/usr/bin/env python3
"""bench/spin/gen_pml.py: prints a Promela model (or the matching racewin scenario) of N openers
and one rmmod on a char device, step for step the protocol that racewin's modern-kernel model
(models/char_dev.cpp, vfs.cpp, module.cpp, refcount.hpp) explores, so that SPIN and racewin can be
compared on the same state space. Knows nothing of racewin's engine; stdlib only.

Usage: gen_pml.py {owner|selfget} N [--toml]
  owner    fops.owner = THIS_MODULE: the VFS pins the module before ->open (safe)
  selfget  fops.owner = NULL, open() does try_module_get(THIS_MODULE), release() module_put()
           (LKMPG's chardev.c: violation module-code-after-unload)
  --toml   print the racewin scenario of the same protocol instead of the Promela model

Encoding. Every racewin step (one ex.step/lock/unlock of the model, a schedule point) is one
d_step, so one SPIN transition. Each racewin position (the pending step label and the stack of
model frames with their statement indices) is one Promela location, so that SPIN's state vector
holds what racewin's state key holds and nothing else. The code a racewin fiber runs after a step
up to its next step is part of that step's d_step. A step whose outcome depends on the value it
reads is an `if` of d_steps with disjoint guards on the state before the step, each followed by a
goto to the position that outcome leads to; each option is still that one step, and SPIN takes
no transition for a goto. Engine locks are blocking guards (holder = _pid + 1).
"""
import sys
from dataclasses import dataclass, field

ENXIO, EBADF, EWOULDBLOCK, ENOENT, EBUSY = 6, 9, 11, 2, 16
DONE = "DONE"
TARGET = "module-code-after-unload"  # selfget's expected kind, as in scenarios/lkmpg_chardev.toml
KINDS = {  # violation kinds (models/kernel.hpp) -> value of `viol`
    "module-code-after-unload": 1,
    "module-data-after-free": 2,
    "cdev-after-free": 3,
    "refcount-underflow": 4,
    "refcount-bug": 5,
}


@dataclass
class Cont:
    """What follows a step: code run in the same transition, then the next position."""
    target: str
    code: list = field(default_factory=list)


@dataclass
class Branch:
    """A choice on the state before the step (or on locals the step does not write)."""
    options: list  # [(cond, Cont | Branch)]


@dataclass
class Node:
    key: str
    label: str      # racewin's step label
    frame: str      # racewin's frames at this step
    lock: str = ""  # engine lock taken ("+name") or released ("-name")
    checks: list = field(default_factory=list)  # [(cond on the pre-state, kind, code run first)]
    alts: list = field(default_factory=list)    # [(cond on the pre-state, code, Cont | Branch)]


def C(target, *code):
    return Cont(target, list(code))


class Proc:
    def __init__(self, name):
        self.name = name
        self.nodes = {}
        self.entry = None

    def add(self, key, label, frame, *, lock="", checks=(), alts=None, code=(), next=None):
        assert key not in self.nodes, key
        if alts is None:
            alts = [("", list(code), next)]
        self.nodes[key] = Node(key, label, frame, lock, list(checks), alts)
        return key

    def order(self):
        """Positions numbered depth-first from the entry, first branch first."""
        seen, stack = [], [self.entry]
        while stack:
            k = stack.pop()
            if k in seen or k == DONE:
                continue
            seen.append(k)
            for _, _, nxt in reversed(self.nodes[k].alts):
                for _, cont in reversed(leaves(nxt)):
                    stack.append(cont.target)
        # Positions no branch leads to in this variant (kobj_lookup's "exact_lock failed" when
        # cdev->owner is NULL) are left out.
        self.nodes = {k: self.nodes[k] for k in seen}
        return {k: i + 1 for i, k in enumerate(seen)}


def leaves(nxt, cond=""):
    if isinstance(nxt, Cont):
        return [(cond, nxt)]
    out = []
    for c, sub in nxt.options:
        out += leaves(sub, conj(cond, c))
    return out


def conj(*cs):
    cs = [c for c in cs if c]
    return " && ".join(f"({c})" if ("||" in c) else c for c in cs)


# ---- The model functions, each a builder of racewin positions -----------------------------------
# `f` is the racewin frame stack at the call; k* are continuations. Checks mirror check_data
# (struct module / fops data freed), check_cdev (a kfree'd cdev; the register_chrdev cdev is
# cdev_alloc'd, so its home is core memory) and check_text (module text freed).
DATA = ("data_freed", "module-data-after-free", [])
CDEV = ("cdev_freed", "cdev-after-free", [])
TEXT = ("text_freed", "module-code-after-unload", [])


def try_module_get(P, f, k_true, k_false):
    # models/module.cpp try_module_get -> refcount.hpp modern::try_module_get
    f = f + " > try_module_get"
    live = P.add(f + ":live", "try_module_get: module_is_live(mod)", f, checks=[DATA],
                 alts=[("mod_state == GOING", [], k_false), ("mod_state != GOING", [], C(f + ":inc"))])
    P.add(f + ":inc", "try_module_get: atomic_inc_not_zero(&mod->refcnt)", f, checks=[DATA],
          alts=[("refcnt != 0", ["refcnt++"], k_true), ("refcnt == 0", [], k_false)])
    return live


def module_put(P, f, k):
    # models/module.cpp module_put -> modern::module_put: atomic_dec_if_positive, WARN_ON(ret < 0)
    f = f + " > module_put"
    return P.add(f, "module_put: atomic_dec_if_positive(&mod->refcnt)", f,
                 checks=[DATA, ("refcnt < 1", "refcount-underflow", [])],
                 code=["refcnt--"], next=k)


def kobject_put(P, f, k):
    # models/char_dev.cpp kobject_put; at zero cdev_purge, then cdev_dynamic_release's kfree
    f = f + " > kobject_put"
    put = P.add(f, "kobject_put(&p->kobj)", f, checks=[CDEV],
                alts=[("kobj > 1", ["kobj--"], k), ("kobj <= 1", ["kobj--"], C(f + ":purge_lock"))])
    P.add(f + ":purge_lock", "cdev_purge: spin_lock(&cdev_lock)", f, lock="+cdev_lock",
          next=C(f + ":purge"))
    P.add(f + ":purge", "cdev_purge: inode->i_cdev = NULL", f, code=["i_cdev = 0"],
          next=C(f + ":purge_unlock"))
    P.add(f + ":purge_unlock", "cdev_purge: spin_unlock(&cdev_lock)", f, lock="-cdev_lock",
          next=C(f + ":kfree"))
    P.add(f + ":kfree", "cdev_dynamic_release: kfree(p)", f, code=["cdev_freed = 1"], next=k)
    return put


def cdev_put(P, V, f, k):
    # models/char_dev.cpp cdev_put: read owner, kobject_put, module_put(owner)
    f = f + " > cdev_put"
    after = module_put(P, f, k) if V == "owner" else None
    kp = kobject_put(P, f, C(after) if after else k)
    return P.add(f, "cdev_put: owner = p->owner", f, checks=[CDEV], next=C(kp))


def cdev_get(P, V, f, k_ok, k_fail):
    # models/char_dev.cpp cdev_get: read owner, try_module_get(owner) if set, kobject_get
    f = f + " > cdev_get"
    get = P.add(f + ":kobject_get", "cdev_get: kobject_get(&p->kobj)", f, checks=[CDEV],
                code=["kobj++"], next=k_ok)
    after_owner = C(try_module_get(P, f, C(get), k_fail)) if V == "owner" else C(get)
    return P.add(f, "cdev_get: owner = p->owner", f, checks=[CDEV], next=after_owner)


def callback(P, f, which, stmts, k):
    # models/module.cpp run_callback: each statement is one step of module text
    f = f + f" > chardev->{which}"
    keys = [f"{f}#{i}" for i in range(len(stmts))] + [None]
    first = keys[0]
    for i, s in enumerate(stmts):
        nxt = C(keys[i + 1]) if keys[i + 1] else k
        if s == "try_module_get(THIS_MODULE)":  # result ignored, as LKMPG does
            g = try_module_get(P, f + f"#{i}", nxt, nxt)
            P.add(keys[i], f"chardev->{which}: {s}", f, checks=[TEXT], next=C(g))
        elif s == "module_put(THIS_MODULE)":
            P.add(keys[i], f"chardev->{which}: {s}", f, checks=[TEXT], next=C(module_put(P, f + f"#{i}", nxt)))
        else:  # work, return 0, unregister_chrdev (handled by the caller through k)
            P.add(keys[i], f"chardev->{which}: {s}", f, checks=[TEXT], next=nxt)
    return first


OPEN = {"owner": ["work", "return 0"], "selfget": ["try_module_get(THIS_MODULE)", "return 0"]}
RELEASE = {"owner": ["work", "return 0"], "selfget": ["module_put(THIS_MODULE)", "return 0"]}


def opener(V):
    """One process: run = ["open /dev/chardev", "close"] (models/kernel_program.cpp run)."""
    P = Proc("opener")
    f0 = "opener@0(open) > do_dentry_open > chrdev_open"
    locals_gone = ["p = 0", "fresh = 0", "ret = 0"]  # chrdev_open's frame is popped
    # vfs_open's error path: fops_put(NULL) takes no step; close then fails with -EBADF unstepped.
    fail_open = C(DONE, *locals_gone, "f_op = 0", "f_inode = 0", f"open_ret = -{ENXIO}",
                  f"close_ret = -{EBADF}")
    # ---- open: chrdev_open (models/char_dev.cpp), positions by its statement index at(n)
    o9 = {}
    for at in (1, 2, 3):  # spin_unlock(&cdev_lock) at(1), at(2), at(3): three racewin positions
        o9[at] = f"{f0}@{at}:unlock"
    after_put4 = Branch([("ret != 0", fail_open), ("ret == 0", C(f0 + "@5:fops_get"))])
    put4 = cdev_put(P, V, f0 + "@4", after_put4)
    for at in (1, 2, 3):
        P.add(o9[at], "chrdev_open: spin_unlock(&cdev_lock)", f0 + f"@{at}", lock="-cdev_lock",
              next=Branch([("fresh == 1", C(put4)),
                           ("fresh == 0 && ret != 0", fail_open),
                           ("fresh == 0 && ret == 0", C(f0 + "@5:fops_get"))]))
    get3 = cdev_get(P, V, f0 + "@3", C(o9[3], "ret = 0"), C(o9[3], f"ret = -{ENXIO}"))
    get2 = cdev_get(P, V, f0 + "@2", C(o9[2], "ret = 0"), C(o9[2], f"ret = -{ENXIO}"))
    P.entry = P.add(f0 + "@0:lock", "chrdev_open: spin_lock(&cdev_lock); p = inode->i_cdev", f0 + "@0",
                    lock="+cdev_lock",
                    alts=[("i_cdev == 0", ["p = 0"], C(f0 + "@0:unlock_null")),
                          ("i_cdev == 1", ["p = 1"], C(get3))])
    # kobj_lookup (models/char_dev.cpp) called at(1)
    fl = f0 + "@1 > kobj_lookup"
    ok = P.add(fl + ":unlock", "kobj_lookup: mutex_unlock(&chrdevs_lock)", fl, lock="-chrdevs_lock",
               next=C(f0 + "@1:lock_again", "fresh = 1"))
    failed = P.add(fl + ":unlock_failed", "kobj_lookup: mutex_unlock(&chrdevs_lock), exact_lock failed", fl,
                   lock="-chrdevs_lock", next=fail_open)
    none = P.add(fl + ":unlock_none", "kobj_lookup: mutex_unlock(&chrdevs_lock), no probe", fl,
                 lock="-chrdevs_lock", next=fail_open)
    getl = cdev_get(P, V, fl, C(ok), C(failed))
    lookup = P.add(fl, "kobj_lookup: mutex_lock(&chrdevs_lock), find the probe", fl, lock="+chrdevs_lock",
                   alts=[("mapped == 0", [], C(none)), ("mapped == 1", [], C(getl))])
    P.add(f0 + "@0:unlock_null", "chrdev_open: spin_unlock(&cdev_lock), i_cdev is NULL", f0 + "@0",
          lock="-cdev_lock", next=C(lookup))
    P.add(f0 + "@1:lock_again", "chrdev_open: spin_lock(&cdev_lock); p = inode->i_cdev again", f0 + "@1",
          lock="+cdev_lock",
          alts=[("i_cdev == 0", ["p = 0"], C(f0 + "@1:install")), ("i_cdev == 1", ["p = 1"], C(get2))])
    P.add(f0 + "@1:install", "chrdev_open: inode->i_cdev = p = new", f0 + "@1",
          code=["i_cdev = 1", "p = 1", "fresh = 0", "ret = 0"], next=C(o9[1]))
    # at(5): fops_get(p->ops), replace_fops, ->open
    call_open = f0 + "@5:call_open"
    if V == "owner":  # fops_get pins fops->owner; on failure cdev_put at(6) and -ENXIO
        put6 = cdev_put(P, V, f0 + "@6", fail_open)
        after_owner = C(try_module_get(P, f0 + "@5 > fops_get", C(call_open, "f_op = 1"), C(put6)))
    else:  # owner NULL: try_module_get(NULL) is true and takes no step
        after_owner = C(call_open, "f_op = 1")
    P.add(f0 + "@5:fops_get", "chrdev_open: fops = fops_get(p->ops)", f0 + "@5", checks=[CDEV],
          next=C(f0 + "@5 > fops_get"))
    P.add(f0 + "@5 > fops_get", "fops_get: read fops->owner", f0 + "@5 > fops_get", checks=[DATA],
          next=after_owner)
    # ->open returns 0: vfs_open sets file_open, observes open=0, and close starts in the same
    # step: close_fd clears file_open before __fput's first step.
    opened = C("close:release", *locals_gone, "open_ret = 0", "file_open = 1", "file_open = 0")
    P.add(call_open, "chrdev_open: call filp->f_op->open()", f0 + "@5", checks=[DATA],
          next=C(callback(P, f0 + "@5", "open", OPEN[V], opened)))
    # ---- close: __fput (models/vfs.cpp vfs_close)
    f1 = "opener@1(close) > __fput"
    closed = C(DONE, "f_op = 0", "f_inode = 0", "close_ret = 0")
    fput_owner = f1 + "@2 > fops_put"
    after_fops_put = C(module_put(P, fput_owner, closed)) if V == "owner" else closed
    P.add(fput_owner, "fops_put: read fops->owner", fput_owner, checks=[DATA], next=after_fops_put)
    put_fput = cdev_put(P, V, f1 + "@1", C(fput_owner))
    P.add(f1 + "@1:i_cdev", "__fput: inode->i_cdev", f1 + "@1",
          alts=[("i_cdev == 1", [], C(put_fput)), ("i_cdev == 0", [], C(fput_owner))])
    P.add("close:release", "__fput: call file->f_op->release()", f1 + "@0", checks=[DATA],
          next=C(callback(P, f1 + "@0", "release", RELEASE[V], C(f1 + "@1:i_cdev"))))
    return P


def rmmod(V):
    """The rmmod process: run = ["rmmod chardev"], delete_module with O_NONBLOCK."""
    P = Proc("rmmod")
    f = "rmmod@0 > delete_module"
    ft = f + " > try_stop_module"
    fr = ft + " > try_release_module_ref"
    fm = "rmmod@0 > delete_module > free_module"
    P.entry = P.add(f + ":lock", "delete_module: mutex_lock(&module_mutex)", f, lock="+module_mutex",
                    next=C(f + ":find"))
    P.add(f + ":find", "delete_module: find_module(name)", f,
          alts=[("listed == 0 || mod_state == UNFORMED", [], C(f + ":unlock_enoent")),
                ("listed == 1 && mod_state != UNFORMED", [], C(f + ":check"))])
    P.add(f + ":unlock_enoent", "delete_module: mutex_unlock(&module_mutex), -ENOENT", f, lock="-module_mutex",
          next=C(DONE, f"rmmod_ret = -{ENOENT}"))
    P.add(f + ":check", "delete_module: check source_list, mod->state, mod->exit", f, checks=[DATA],
          alts=[("mod_state != LIVE", [], C(f + ":unlock_ebusy")), ("mod_state == LIVE", [], C(fr + ":sub"))])
    P.add(f + ":unlock_ebusy", "delete_module: mutex_unlock(&module_mutex), -EBUSY", f, lock="-module_mutex",
          next=C(DONE, f"rmmod_ret = -{EBUSY}"))
    P.add(fr + ":sub", "try_release_module_ref: atomic_sub_return(MODULE_REF_BASE, &mod->refcnt)", fr,
          checks=[("refcnt < 1", "refcount-bug", ["refcnt--"])],
          alts=[("refcnt != 1", ["refcnt--"], C(fr + ":recover")), ("refcnt == 1", ["refcnt--"], C(ft + ":going"))])
    P.add(fr + ":recover", "try_release_module_ref: atomic_add_unless(&mod->refcnt, MODULE_REF_BASE, 0)", fr,
          alts=[("refcnt != 0", ["refcnt++"], C(f + ":unlock_busy")), ("refcnt == 0", [], C(ft + ":going"))])
    P.add(f + ":unlock_busy", "delete_module: mutex_unlock(&module_mutex), -EWOULDBLOCK", f, lock="-module_mutex",
          next=C(DONE, f"rmmod_ret = -{EWOULDBLOCK}"))
    P.add(ft + ":going", "try_stop_module: mod->state = MODULE_STATE_GOING", ft, code=["mod_state = GOING"],
          next=C(f + ":unlock"))
    fe = f + " > chardev->exit > unregister_chrdev > cdev_del"
    P.add(f + ":unlock", "delete_module: mutex_unlock(&module_mutex)", f, lock="-module_mutex",
          next=C(f + " > chardev->exit#0"))
    P.add(f + " > chardev->exit#0", "chardev->exit: unregister_chrdev", f + " > chardev->exit", checks=[TEXT],
          next=C(fe + ":lock"))
    P.add(fe + ":lock", "cdev_del: kobj_unmap: mutex_lock(&chrdevs_lock), remove the probe", fe,
          lock="+chrdevs_lock", code=["mapped = 0"], next=C(fe + ":unlock"))
    kp = kobject_put(P, fe, C(fm + ":lock1"))
    P.add(fe + ":unlock", "cdev_del: kobj_unmap: mutex_unlock(&chrdevs_lock)", fe, lock="-chrdevs_lock",
          next=C(kp))
    steps = [
        (":lock1", "free_module: mutex_lock(&module_mutex) to mark it UNFORMED", "+module_mutex", []),
        (":unformed", "free_module: mod->state = MODULE_STATE_UNFORMED", "", ["mod_state = UNFORMED"]),
        (":unlock1", "free_module: mutex_unlock(&module_mutex) after UNFORMED", "-module_mutex", []),
        (":lock2", "free_module: mutex_lock(&module_mutex) to unlink it", "+module_mutex", []),
        (":list_del", "free_module: list_del_rcu(&mod->list)", "", ["listed = 0"]),
        (":unlock2", "free_module: mutex_unlock(&module_mutex) after list_del_rcu", "-module_mutex", []),
        (":text", "free_mod_mem: free module text and rodata", "", ["text_freed = 1"]),
        (":data", "free_mod_mem: free MOD_DATA (struct module, fops, statics)", "", ["data_freed = 1"]),
    ]
    for i, (suffix, label, lock, code) in enumerate(steps):
        nxt = C(fm + steps[i + 1][0]) if i + 1 < len(steps) else C(DONE, "rmmod_ret = 0")
        P.add(fm + suffix, label, fm, lock=lock, code=code, next=nxt)
    return P


# ---- Emission ----------------------------------------------------------------------------------

def emit_proc(P, V, out):
    """Each position is a label S<n> on a one-level `if` whose options are the step's d_steps;
    each option jumps to the next position (jumps are not transitions in SPIN)."""
    pcs = P.order()
    nodes = sorted(P.nodes.values(), key=lambda n: pcs[n.key])
    end = f"end_{P.name}"
    for n in nodes:
        here = f"S{pcs[n.key]}"
        guard = ["viol == 0"] if V == "selfget" else []
        lock_code = []
        if n.lock.startswith("+"):
            guard.append(f"{n.lock[1:]} == 0")
            lock_code = [f"{n.lock[1:]} = _pid + 1"]
        elif n.lock.startswith("-"):
            lock_code = [f"assert({n.lock[1:]} == _pid + 1)", f"{n.lock[1:]} = 0"]
        asserts, halts = [], []
        for cond, kind, pre in n.checks:
            if V == "owner" or kind == TARGET:
                asserts.append(f"assert(!({cond}))  /* {kind} */")
            else:
                halts.append((cond, kind, pre))
        options = []
        # A violation other than the target ends the execution, as racewin's does (selfget only):
        # `viol` disables every step from then on.
        for i, (cond, kind, pre) in enumerate(halts):
            g = conj(*guard, *[f"!({c})" for c, _, _ in halts[:i]], cond)
            options.append((g, pre + [f"viol = {KINDS[kind]}  /* {kind} */"], here))
        for cond, code, nxt in n.alts:
            for lcond, cont in leaves(nxt):
                g = conj(*guard, *[f"!({c})" for c, _, _ in halts], cond, lcond) or "true"
                target = end if cont.target == DONE else f"S{pcs[cont.target]}"
                options.append((g, asserts + lock_code + code + cont.code, target))
        out.append(f"{here}:  /* {n.label}   [{n.frame}] */")
        out.append("  if")
        for g, body, target in options:
            out.append(f"  :: d_step {{ {g} ->")
            for st in body:  # a trailing comment goes after the semicolon
                code, _, note = st.partition("  /* ")
                out.append(f"       {code};" + (f"  /* {note}" if note else ""))
            out.append(f"     }} ; goto {target}")
        out.append("  fi;")
    return pcs, nodes


def header(V, n, procs):
    h = [f"/* Generated by bench/spin/gen_pml.py {V} {n}: {n} opener(s) and one rmmod on /dev/chardev,",
         f"   modern kernel, {'fops.owner = THIS_MODULE (safe)' if V == 'owner' else 'fops.owner = NULL, try_module_get/module_put(THIS_MODULE) in open/release (LKMPG)'}.",
         "   racewin scenario: `gen_pml.py " + f"{V} {n} --toml`.",
         "",
         "   One d_step = one racewin step (a schedule point: ex.step, ex.lock or ex.unlock in models/).",
         "   Each racewin position (the pending step and the model frames it sits in) is one Promela",
         "   location S<n>, so SPIN's process counter is racewin's position; the d_step options of a",
         "   location are the step's outcomes, chosen by disjoint guards on the state before the step,",
         "   and each jumps to the next position (a goto is not a transition). The state vector holds",
         "   what racewin's state key holds:",
         "     mod_state, refcnt, listed, text_freed, data_freed  struct module (models/kernel.hpp Module)",
         "     mapped, cdev_freed, kobj, i_cdev                   the cdev and the /dev inode",
         "     module_mutex, chrdevs_lock, cdev_lock              engine locks: holder _pid + 1, or 0",
         "     per opener: its location, p, fresh, ret (chrdev_open's locals 0-2), file_open, f_op,",
         "       f_inode (its Task), open_ret, close_ret (its observed results)",
         "     rmmod: its location, rmmod_ret",
         "   Left out, as racewin leaves them out of its key: task pins, in_module, holds (traces only).",
         "   Constant here, so left out: cdev_put's and kobj_lookup's locals, rmmod's Task."]
    if V == "selfget":
        h += ["   The target, module-code-after-unload, is an assert. Other kinds set `viol`, which",
              "   disables every step: the execution ends there, as racewin's does while it searches",
              "   for the expected kind (run pan with -E: those ends are not deadlocks)."]
    else:
        h += ["   Every violation kind is an assert; a deadlock is pan's invalid end state."]
    for P, pcs, nodes in procs:
        h += ["", f"   {P.name}: location -> racewin step label   [frames]"]
        for node in nodes:
            h.append(f"    S{pcs[node.key]:<3d} {node.label}   [{node.frame}]")
        h.append(f"    end_{P.name}  finished")
    h.append("*/")
    return h


def promela(V, n):
    out_o, out_r = [], []
    po, pr = opener(V), rmmod(V)
    pcs_o, nodes_o = emit_proc(po, V, out_o)
    pcs_r, nodes_r = emit_proc(pr, V, out_r)
    lines = header(V, n, [(po, pcs_o, nodes_o), (pr, pcs_r, nodes_r)])
    lines += [
        "",
        "#define LIVE     0",
        "#define COMING   1",
        "#define GOING    2",
        "#define UNFORMED 3",
        "",
        "/* after insmod: init() ran register_chrdev, the loader dropped its reference */",
        "byte  mod_state = LIVE;",
        "short refcnt = 1;        /* MODULE_REF_BASE */",
        "bit   listed = 1;",
        "bit   text_freed = 0;",
        "bit   data_freed = 0;",
        "bit   mapped = 1;        /* in cdev_map */",
        "bit   cdev_freed = 0;",
        "short kobj = 1;          /* cdev->kobj refcount */",
        "bit   i_cdev = 0;        /* inode->i_cdev: NULL or the cdev */",
        "byte  module_mutex = 0;",
        "byte  chrdevs_lock = 0;",
        "byte  cdev_lock = 0;",
    ]
    if V == "selfget":
        lines.append("byte  viol = 0;          /* " + ", ".join(f"{v} {k}" for k, v in KINDS.items() if k != TARGET) + " */")
    lines += [
        "",
        f"active [{n}] proctype opener() {{",
        "  bit   p = 0, fresh = 0;",
        "  short ret = 0;",
        "  bit   file_open = 0, f_op = 0;",
        "  bit   f_inode = 1;     /* vfs_open sets it before chrdev_open's first step */",
        "  short open_ret = 0, close_ret = 0;",
    ]
    lines += out_o
    lines += ["end_opener:  /* finished: a valid end state that takes no further transition */", "  false", "}", "",
              "active proctype rmmod() {",
              "  short rmmod_ret = 0;"]
    lines += out_r
    lines += ["end_rmmod:", "  false", "}"]
    return "\n".join(lines) + "\n"


def toml(V, n):
    owner = V == "owner"
    lines = [f"# Generated by bench/spin/gen_pml.py {V} {n} --toml: the racewin side of the SPIN comparison.",
             f'name        = "spin_{V}_{n}"',
             f'description = "{n} opener(s) (open, close) and rmmod, {V}"',
             'kernel      = "modern"', "", "[module.chardev]",
             'register     = "register_chrdev"',
             f'fops.owner   = "{"THIS_MODULE" if owner else "NULL"}"',
             "fops.open    = [" + ", ".join(f'"{s}"' for s in OPEN[V]) + "]",
             "fops.release = [" + ", ".join(f'"{s}"' for s in RELEASE[V]) + "]", ""]
    for i in range(1, n + 1):
        lines += [f"[fiber.opener{i}]", 'run = ["open /dev/chardev", "close"]', ""]
    lines += ["[fiber.rmmod]", 'run = ["rmmod chardev"]', "", "[expect]"]
    lines += ['verdict = "safe"'] if owner else ['verdict = "violation"', f'kind    = "{TARGET}"']
    return "\n".join(lines) + "\n"


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    flags = [a for a in argv if a.startswith("--")]
    if len(args) != 2 or args[0] not in ("owner", "selfget") or not args[1].isdigit() \
            or not 1 <= int(args[1]) <= 10 or any(f != "--toml" for f in flags):
        sys.stderr.write("usage: gen_pml.py {owner|selfget} N [--toml]   (N = 1..10)\n")
        return 2
    V, n = args[0], int(args[1])
    sys.stdout.write(toml(V, n) if flags else promela(V, n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
