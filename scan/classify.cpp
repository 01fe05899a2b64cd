// scan/classify.cpp
#include "scan/classify.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "models/check.hpp"
#include "models/frameworks.hpp"
#include "models/scenario_file.hpp"

namespace rw::scan {
namespace {

using models::Across;
using models::Framework;
using models::Pin;

// ---- what an ops structure's field is reached through ---------------------------------------

// Ops structure types and the preset their callbacks run under (shared/FRAMEWORKS.md). A field
// list of {} means every field; file_operations and notifier_block are decided by how the
// instance is registered (entry_of).
struct OpsType {
  const char* type;
  std::vector<const char*> fields;
  const char* preset;
};
const std::vector<OpsType>& ops_types() {
  static const std::vector<OpsType> t = {
      {"genl_ops", {}, "genl"},
      {"genl_small_ops", {}, "genl"},
      {"genl_family", {"pre_doit", "post_doit"}, "genl"},
      {"nfnl_callback", {}, "nfnetlink-mutex"},
      {"platform_driver", {"probe", "remove"}, "driver-probe"},
      {"pci_driver", {"probe", "remove", "sriov_configure"}, "driver-probe"},
      {"usb_driver", {"probe", "disconnect"}, "driver-probe"},
      {"i2c_driver", {"probe", "probe_new", "remove"}, "driver-probe"},
      {"spi_driver", {"probe", "remove"}, "driver-probe"},
      {"device_driver", {"probe", "remove"}, "driver-probe"},
      {"virtio_driver", {"probe", "remove"}, "driver-probe"},
      // drivers/base/dd.c call_driver_probe calls dev->bus->probe where it calls drv->probe, under the
      // same device_lock (__driver_attach, __device_attach); device_remove calls dev->bus->remove
      // from __device_release_driver, under device_lock too. The bus's devices go through
      // device_del -> bus_remove_device -> device_release_driver, which takes it.
      {"bus_type", {"probe", "remove"}, "driver-probe"},
      // drivers/xen/xenbus/xenbus_probe.c xenbus_dev_probe / xenbus_dev_remove are the xenbus
      // bus_type's probe and remove: they call drv->probe / drv->remove under that device_lock;
      // xenbus_unregister_driver is driver_unregister.
      {"xenbus_driver", {"probe", "remove"}, "driver-probe"},
      // net/core/dev.c register_netdevice calls ndo_init and unregister_netdevice_many_notify calls
      // ndo_uninit with RTNL held (ASSERT_RTNL), like __dev_open's ndo_open.
      {"net_device_ops", {"ndo_open", "ndo_stop", "ndo_init", "ndo_uninit"}, "netdev-open"},
      {"rtnl_link_ops", {"newlink", "dellink", "changelink"}, "rtnl-link"},
      {"pernet_operations", {"init", "exit", "pre_exit", "exit_batch"}, "pernet"},
      {"mtk_wed_ops", {"attach"}, "rcu-hook"},
      // The others are called through dev->ops, kept since ->attach, outside any RCU section
      // (include/linux/soc/mediatek/mtk_wed.h mtk_wed_device_detach ...): no pin, nothing waits.
      {"mtk_wed_ops", {}, "ops-no-owner"},
      {"nf_ct_timeout_hooks", {}, "rcu-hook"},
      {"kgdb_io", {"pre_exception", "post_exception"}, "kgdb-io"},
      // Releases run from the put that drops an object's last reference (lib/kobject.c
      // kobject_cleanup; drivers/base/core.c device_release: dev->release, type->release, class->dev_release).
      {"kobj_type", {"release"}, "kobject-release"},
      {"device_type", {"release"}, "kobject-release"},
      {"device", {"release"}, "kobject-release"},
      {"class", {"dev_release"}, "kobject-release"},
      {"atm_ioctl", {"ioctl"}, "atm-ioctl"},
      {"mtd_chip_driver", {"probe"}, "mtd-chip"},
      {"tc_action_ops", {}, "tc-action"},
      {"tcf_proto_ops", {}, "tcf-proto"},
      {"fs_context_operations", {}, "fs-context"},
      {"l2tp_nl_cmd_ops", {"session_create", "session_delete"}, "l2tp-nl-cmd"},
      {"cxgb4_uld_info", {}, "cxgb4-uld"},
      {"watchdog_ops", {}, "watchdog"},
      // kernel/irq/manage.c __setup_irq calls chip->irq_request_resources holding desc->request_mutex
      // and chip_bus_lock, after try_module_get(desc->owner), which is NULL for the descs an irq
      // domain allocates (kernel/irq/irqdomain.c irq_domain_alloc_descs passes the built-in
      // THIS_MODULE); __free_irq calls irq_release_resources the same way. The chip driver's
      // removal (irq_domain_remove, irq_dispose_mapping) takes neither lock: nothing pins, nothing waits.
      {"irq_chip", {"irq_request_resources", "irq_release_resources"}, "ops-no-owner"},
      // net/l2tp/l2tp_core.c l2tp_session_delete calls session->session_close holding nothing (from
      // a tunnel's del_work, a socket's release or a netlink command); the pseudowire module's
      // exit waits for no session.
      {"l2tp_session", {"session_close"}, "ops-no-owner"},
      // net/sunrpc/xprt.c xprt_destroy queues xprt_destroy_cb on the system workqueue, which calls
      // xprt->ops->destroy holding nothing: xprt_create_transport's pin on the class owner ended
      // after ->setup, and xprt_unregister_transport waits for no transport.
      {"rpc_xprt_ops", {"destroy"}, "ops-no-owner"},
      // drivers/net/team/team.c team_nl_cmd_options_set, a .doit of team_nl_family (genl_rcv holds
      // cb_lock for read), calls option->setter through team_option_set; team_nl_fini in the
      // module's exit is genl_unregister_family. A team mode module's options exist only while a
      // team holds its mode (team_mode_get pinned mode->owner).
      {"team_option", {"setter", "getter"}, "genl"},
      {"fcoe_transport", {}, "fcoe-transport"},
      {"device_attribute", {"store"}, "sysfs-store"},
      {"driver_attribute", {"store"}, "sysfs-store"},
      {"class_attribute", {"store"}, "sysfs-store"},
      {"bus_attribute", {"store"}, "sysfs-store"},
      {"kobj_attribute", {"store"}, "sysfs-store"},
      {"proc_ops", {"proc_write"}, "proc-write"},
      {"mISDNchannel", {"ctrl"}, "misdn-channel"},
      {"Bprotocol", {"create"}, "misdn-bprotocol"},
      {"l2cap_ops", {}, "ops-no-owner"},
      {"xprt_class", {"setup"}, "xprt-class"},
      {"rpc_authops", {}, "rpc-authops"},
      {"nf_sockopt_ops", {}, "nf-sockopt"},
      {"block_device_operations", {}, "block-open"},
      {"tty_operations", {}, "tty-open"},
      {"tty_port_operations", {}, "tty-open"},
      {"net_proto_family", {"create"}, "socket"},
      {"proto_ops", {}, "socket"},
  };
  return t;
}

// An expression as spatch prints it, without its spaces: "dch -> dev . D" is "dch->dev.D".
std::string compact(std::string_view e) {
  std::string o;
  for (char c : e)
    if (c != ' ') o += c;
  return o;
}

// Members whose structure type their path names: mISDN's struct dchannel and bchannel embed
// their struct mISDNchannel as dev.D and ch (include/linux/mISDNhw.h); drivers embed their
// struct device as dev.
const char* type_of_member(const std::string& object, const std::string& field) {
  const std::string o = compact(object);
  const auto ends = [&](std::string_view tail) { return o.ends_with(tail); };
  if (field == "ctrl" && (ends(".D") || ends("->D") || ends(".ch") || ends("->ch"))) return "mISDNchannel";
  // An embedded struct device: gameport->dev.release, serio->dev.release (include/linux/gameport.h ...).
  if (field == "release" && (ends(".dev") || ends("->dev"))) return "device";
  return nullptr;
}

// Field names that name their structure type wherever they are assigned at run time.
const char* type_of_field(const std::string& field) {
  static const std::map<std::string, const char*> m = {
      {"notifier_call", "notifier_block"}, {"ndo_open", "net_device_ops"}, {"ndo_stop", "net_device_ops"},
      {"doit", "genl_ops"},                {"proc_write", "proc_ops"},
      {"session_close", "l2tp_session"},
  };
  const auto it = m.find(field);
  return it == m.end() ? nullptr : it->second;
}

// Notifier chains by the call that registers a notifier_block on them.
const char* notifier_preset(const std::string& reg) {
  static const std::map<std::string, const char*> m = {
      {"register_netdevice_notifier", "notifier-netdevice"},
      {"register_netdevice_notifier_net", "notifier-netdevice"},
      {"register_netdevice_notifier_dev_net", "notifier-netdevice"},
      {"blocking_notifier_chain_register", "notifier-blocking"},
      {"register_inetaddr_notifier", "notifier-blocking"},
      {"register_reboot_notifier", "notifier-blocking"},
      {"register_pm_notifier", "notifier-blocking"},
      {"usb_register_notify", "notifier-blocking"},
      {"atomic_notifier_chain_register", "notifier-atomic"},
      {"register_inet6addr_notifier", "notifier-atomic"},
      {"register_die_notifier", "notifier-atomic"},
      {"register_keyboard_notifier", "notifier-atomic"},
      // Wrappers read from 6.1: each registers on a chain of that kind.
      {"crypto_register_notifier", "notifier-blocking"},         // crypto/algapi.c: crypto_chain
      {"rpc_pipefs_notifier_register", "notifier-blocking"},     // net/sunrpc/rpc_pipe.c
      {"netlink_register_notifier", "notifier-blocking"},        // net/netlink/af_netlink.c: netlink_chain
      {"register_netevent_notifier", "notifier-atomic"},         // net/core/netevent.c
      {"register_blocking_lsm_notifier", "notifier-blocking"},   // security/security.c
      {"register_module_notifier", "notifier-blocking"},         // kernel/module/main.c
      {"register_oom_notifier", "notifier-blocking"},            // mm/oom_kill.c
      {"register_vmap_purge_notifier", "notifier-blocking"},     // mm/vmalloc.c
  };
  const auto it = m.find(reg);
  return it == m.end() ? nullptr : it->second;
}

bool is_get(const Site& s) { return s.call == "try_module_get" || s.call == "__module_get"; }
bool is_exit_helper(const Site& s) { return s.call == "module_put_and_kthread_exit" || s.call == "module_put_and_exit"; }

// ---- one module's facts ---------------------------------------------------------------------

struct Entry {
  std::string framework;  // preset or model name; "unknown" when none fits
  std::string via;
  std::string instance;   // the ops structure instance, or the deferred function's object
  std::string function;   // the entry function (callback, thread function ...)
  std::string field;      // the ops field
  bool owner = false;     // the instance sets .owner = THIS_MODULE
  bool cdev_owner = false;  // cdev_add: the driver sets its cdev's owner to THIS_MODULE
  std::string registration;  // chardev: register_chrdev, cdev_add or misc_register
};

class ModuleFacts {
 public:
  ModuleFacts(const Facts& all, const std::vector<std::string>& files) {
    files_.insert(files.begin(), files.end());
    const std::set<std::string>& in = files_;
    const auto keep = [&](const auto& v, auto& out) {
      for (const auto& x : v)
        if (in.contains(x.file)) out.push_back(&x);
    };
    keep(all.fields, fields_);
    keep(all.assigns, assigns_);
    keep(all.calls, calls_);
    keep(all.macros, macros_);
    keep(all.functions, functions_);
    for (const auto* f : functions_) defined_.insert(f->name);
    for (const auto* c : calls_)
      if (defined_.contains(c->callee)) callers_[c->callee].insert(c->caller);
  }

  // `f` and the functions of the module that call it, directly or through others.
  std::vector<std::string> reach(const std::string& f) const {
    std::vector<std::string> out{f};
    std::set<std::string> seen{f};
    for (std::size_t i = 0; i < out.size() && out.size() < 64; ++i) {
      const auto it = callers_.find(out[i]);
      if (it == callers_.end()) continue;
      for (const auto& c : it->second)
        if (seen.insert(c).second) out.push_back(c);
    }
    return out;
  }

  // Whether `f` (or a function it calls in the module) calls one of `names`; `arg`, when set,
  // must be named by the call's arguments.
  bool calls_any(const std::string& f, const std::set<std::string>& names, const std::string& arg = "") const {
    std::vector<std::string> todo{f};
    std::set<std::string> seen{f};
    while (!todo.empty()) {
      const std::string g = todo.back();
      todo.pop_back();
      for (const auto* c : calls_) {
        if (c->caller != g) continue;
        if (names.contains(c->callee)) {
          if (arg.empty()) return true;
          for (const auto& a : c->arg_list())
            if (bare_name(a) == arg || a.find(arg) != std::string::npos) return true;
        }
        if (defined_.contains(c->callee) && seen.insert(c->callee).second) todo.push_back(c->callee);
      }
    }
    return false;
  }

  std::optional<std::string> macro_arg(const char* name, std::size_t i = 0) const {
    for (const auto* m : macros_)
      if (m->name == name) {
        const auto a = m->arg_list();
        if (a.size() > i) return bare_name(a[i]);
      }
    return std::nullopt;
  }

  // Whether the instance sets its owner to THIS_MODULE (.owner; struct mtd_chip_driver calls it .module).
  bool instance_owner(const std::string& type, const std::string& instance) const {
    for (const auto* f : fields_)
      if (f->type == type && f->instance == instance && (f->field == "owner" || f->field == "module") &&
          bare_name(f->value) == "THIS_MODULE")
        return true;
    return false;
  }

  // The entries that lead into `g` (ops fields, deferred functions, init/exit, exports).
  std::vector<Entry> entries(const std::string& g) const {
    std::vector<Entry> out;
    for (const auto* f : fields_) {
      if (bare_name(f->value) != g || f->field == "owner") continue;
      out.push_back(ops_entry(f->type, f->instance, f->field, g));
    }
    for (const auto* a : assigns_) {
      if (bare_name(a->value) != g) continue;
      if (const char* t = type_of_field(a->field)) out.push_back(ops_entry(t, a->object, a->field, g));
      else if (const char* m = type_of_member(a->object, a->field)) out.push_back(ops_entry(m, a->object, a->field, g));
      else
        out.push_back({.framework = "unknown", .via = fmt::format("{}->{} = {} in {}", a->object, a->field, g, a->function),
                       .function = g, .field = a->field});
    }
    for (const auto* c : calls_) {
      const auto args = c->arg_list();
      const auto arg_is = [&](std::size_t i) { return args.size() > i && bare_name(args[i]) == g; };
      const std::string& n = c->callee;
      if ((n == "kthread_run" || n == "kthread_create" || n == "kthread_create_on_node" || n == "kthread_run_on_cpu") && arg_is(0))
        out.push_back({.framework = "kthread", .via = fmt::format("{}({}) in {}", n, g, c->caller), .function = g});
      else if ((n == "INIT_WORK" || n == "INIT_DELAYED_WORK" || n == "INIT_RCU_WORK" || n == "tcf_queue_work") && arg_is(1))
        out.push_back({.framework = "work", .via = fmt::format("{}({}, {})", n, args[0], g), .instance = bare_name(args[0]), .function = g});
      else if ((n == "timer_setup" || n == "setup_timer") && arg_is(1))
        out.push_back({.framework = "timer", .via = fmt::format("{}({}, {})", n, args[0], g), .instance = bare_name(args[0]), .function = g});
      else if ((n == "kref_put" || n == "kref_put_mutex" || n == "kref_put_lock") && arg_is(1))
        // include/linux/kref.h: the put that drops the last reference calls release in its own
        // context, holding nothing (the lock of kref_put_mutex/_lock is the caller's, not one the
        // module's exit takes): a kobject release's convention.
        out.push_back({.framework = "kobject-release", .via = fmt::format("{}({}, {}) in {}", n, args[0], g, c->caller),
                       .instance = bare_name(args[0]), .function = g, .field = "release"});
      else if (n == "call_rcu" && arg_is(1))
        out.push_back({.framework = "rcu", .via = fmt::format("call_rcu({}, {})", args[0], g), .instance = bare_name(args[0]), .function = g});
      else if ((n == "request_irq" || n == "devm_request_irq" || n == "request_threaded_irq" ||
                n == "devm_request_threaded_irq") && (arg_is(1) || (n.find("threaded") != std::string::npos && arg_is(2))))
        out.push_back({.framework = "irq", .via = fmt::format("{}(..., {}, ...)", n, g), .function = g});
      else if (std::any_of(args.begin(), args.end(), [&](const std::string& a) { return bare_name(a) == g; }))
        // Handed to a registration racewin has no preset for: named, not judged.
        out.push_back({.framework = "unknown", .via = fmt::format("passed to {}() in {}", n, c->caller), .function = g});
    }
    for (const auto* m : macros_) {
      const auto args = m->arg_list();
      const auto arg_is = [&](std::size_t i) { return args.size() > i && bare_name(args[i]) == g; };
      const std::string& n = m->name;
      if (n == "module_init" && arg_is(0)) out.push_back({.framework = "init", .via = "module_init", .function = g});
      else if (n == "module_exit" && arg_is(0)) out.push_back({.framework = "exit", .via = "module_exit", .function = g});
      else if ((n == "EXPORT_SYMBOL" || n == "EXPORT_SYMBOL_GPL") && arg_is(0))
        out.push_back({.framework = "exported", .via = fmt::format("{}({})", n, g), .function = g});
      else if ((n == "DECLARE_WORK" || n == "DECLARE_DELAYED_WORK") && arg_is(1))
        out.push_back({.framework = "work", .via = fmt::format("{}({}, {})", n, args[0], g), .instance = bare_name(args[0]), .function = g});
      else if (n == "DEFINE_TIMER" && arg_is(1))
        out.push_back({.framework = "timer", .via = fmt::format("DEFINE_TIMER({}, {})", args[0], g), .instance = bare_name(args[0]), .function = g});
      else if ((n == "DEVICE_ATTR" || n == "DRIVER_ATTR") && arg_is(3))
        out.push_back({.framework = "sysfs-store", .via = fmt::format("{}({}) store", n, args.empty() ? "" : args[0]), .function = g});
      else if (n.ends_with("_ATTR_RW") || n.ends_with("_ATTR_WO")) {
        if (!args.empty() && bare_name(args[0]) + "_store" == g)
          out.push_back({.framework = "sysfs-store", .via = fmt::format("{}({}) store", n, args[0]), .function = g});
      }
    }
    return out;
  }

  // What an ops structure's field is reached through.
  Entry ops_entry(const std::string& type, const std::string& instance, const std::string& field, const std::string& g) const {
    Entry e{.via = fmt::format("{}.{} of {}", type, field, instance), .instance = instance, .function = g, .field = field};
    e.owner = instance_owner(type, instance);
    if (type == "file_operations") {
      // How the instance is registered: a misc device's .fops, register_chrdev or cdev_init.
      for (const auto* f : fields_)
        if (f->type == "miscdevice" && f->field == "fops" && bare_name(f->value) == instance) {
          e.framework = "misc";
          e.registration = "misc_register";
          return e;
        }
      for (const auto* c : calls_) {
        bool named = false;
        for (const auto& a : c->arg_list()) named |= bare_name(a) == instance;
        if (!named) continue;
        if (c->callee == "register_chrdev" || c->callee == "__register_chrdev") {
          e.framework = "chardev";
          e.registration = "register_chrdev";
          return e;
        }
        if (c->callee == "cdev_init") {
          e.framework = "chardev";
          e.registration = "cdev_add";
          // cdev_init clears the cdev; the driver may set its owner afterwards (cdev.owner = THIS_MODULE).
          const auto args = c->arg_list();
          const std::string cdev = args.empty() ? "" : bare_name(args[0]);
          for (const auto* a : assigns_) {
            const std::string obj = compact(a->object);
            if (a->field == "owner" && bare_name(a->value) == "THIS_MODULE" && !cdev.empty() &&
                (obj == cdev || obj.ends_with("." + cdev) || obj.ends_with("->" + cdev)))
              e.cdev_owner = true;
          }
          return e;
        }
        if (c->callee.starts_with("proc_create")) {
          e.framework = "proc";
          return e;
        }
        e.framework = "unknown";
        e.via += fmt::format(", registered through {}", c->callee);
        return e;
      }
      // A cdev_alloc'd cdev given the fops at run time (drivers/scsi/sg.c sg_add_device:
      // cdev->owner = THIS_MODULE; cdev->ops = &sg_fops; cdev_add): register_chrdev's shape
      // (fs/char_dev.c __register_chrdev: cdev_alloc, cdev->owner = fops->owner, cdev->ops = fops)
      // when its owner is the fops' owner.
      for (const auto* a : assigns_) {
        if (a->field != "ops" || bare_name(a->value) != instance) continue;
        const std::string cdev = compact(a->object);
        bool cdev_owner = false;
        for (const auto* o : assigns_)
          cdev_owner |= o->field == "owner" && compact(o->object) == cdev && o->function == a->function &&
                        bare_name(o->value) == "THIS_MODULE";
        if (cdev_owner == e.owner && calls_any(a->function, {"cdev_add"})) {
          e.framework = "chardev";
          e.registration = "register_chrdev";
          e.via += fmt::format(", {}->ops in {} (cdev_add)", a->object, a->function);
          return e;
        }
      }
      e.framework = "unknown";
      e.via += ", registered nowhere the scan sees";
      return e;
    }
    if (type == "notifier_block") {
      for (const auto* c : calls_) {
        bool named = false;
        for (const auto& a : c->arg_list()) named |= bare_name(a) == instance;
        if (!named) continue;
        if (const char* p = notifier_preset(c->callee)) {
          e.framework = p;
          e.via += fmt::format(" on {}", c->callee);
          return e;
        }
      }
      e.framework = "unknown";
      e.via += " (its chain is not one racewin knows)";
      return e;
    }
    if (type == "proc_ops") {
      e.framework = field == "proc_write" ? "proc-write" : "proc";
      return e;
    }
    if (type == "tty_operations" || type == "tty_port_operations") {
      // The tty driver's owner, which tty_open pins: tty_alloc_driver() and alloc_tty_driver()
      // are macros that pass THIS_MODULE (include/linux/tty_driver.h); __tty_alloc_driver takes
      // it explicitly; or driver->owner = THIS_MODULE.
      for (const auto* c : calls_)
        if (c->callee == "tty_alloc_driver" || c->callee == "alloc_tty_driver" ||
            (c->callee == "__tty_alloc_driver" && c->args.find("THIS_MODULE") != std::string::npos))
          e.owner = true;
      for (const auto* a : assigns_)
        if (a->field == "owner" && bare_name(a->value) == "THIS_MODULE") e.owner = true;
    }
    if (type == "fs_context_operations") {
      // vfs_get_tree's pin is on the file_system_type's owner (fs/fs_context.c alloc_fs_context).
      for (const auto* f : fields_)
        if (f->type == "file_system_type" && f->field == "owner" && bare_name(f->value) == "THIS_MODULE") e.owner = true;
    }
    if (type == "tlsdev_ops" || type == "xfrmdev_ops") {
      // Offload ops a cxgb4 ULD hands to cxgb4 in its cxgb4_uld_info (.tlsdev_ops, .xfrmdev_ops):
      // cxgb4's own netdev ops call them holding uld_mutex. Others are called by net/tls and
      // net/xfrm directly, which racewin has no preset for.
      for (const auto* f : fields_)
        if (f->type == "cxgb4_uld_info" && f->field == type && bare_name(f->value) == instance) {
          e.framework = "cxgb4-uld";
          e.via += fmt::format(" (cxgb4_uld_info.{} of {})", type, f->instance);
          return e;
        }
    }
    if (type == "atmdev_ops" && field == "close" && !e.owner) {
      // net/atm/common.c vcc_destroy_socket calls vcc->dev->ops->close, then module_put(vcc->owner):
      // vcc_create leaves vcc->owner NULL, and only vcc_connect pins dev->ops->owner, which an
      // atmdev_ops without .owner (a daemon's or control device's: clip's atmarpd_dev, lec, mpoa,
      // atmtcp_control_dev) does not set. Nothing pinned; the module's exit waits for no socket.
      e.framework = "ops-no-owner";
      return e;
    }
    for (const auto& t : ops_types()) {
      if (type != t.type) continue;
      if (!t.fields.empty() && std::find_if(t.fields.begin(), t.fields.end(), [&](const char* f) { return field == f; }) == t.fields.end())
        continue;
      e.framework = t.preset;
      if (std::string_view(t.preset) == "nfnetlink-mutex")
        for (const auto* f : fields_)
          if (f->type == type && f->instance == instance && f->field == "type" && f->value.find("RCU") != std::string::npos)
            e.framework = "nfnetlink-rcu";
      return e;
    }
    e.framework = "unknown";
    e.via = fmt::format("struct {}.{} of {}", type, field, instance);
    return e;
  }

  // The functions reaching `f` that something enters through (an ops field, a deferred call,
  // init, an export): where a call chain into `f` starts.
  std::set<std::string> roots(const std::string& f) const {
    std::set<std::string> out;
    for (const auto& g : reach(f))
      if (!entries(g).empty()) out.insert(g);
    return out;
  }

  // Whether the get at `s` stores its reference with an object that outlives the call: its
  // function allocates the object (a direct call of an allocator), and the module drops the
  // reference in another function entered from elsewhere (no entry point in common) that took
  // no reference of its own before it: the object's last put. nbd's shape: nbd_alloc_config's
  // get, kept by the config that nbd_config_put frees from ->release, recv_work or a netlink
  // command (drivers/block/nbd.c). Not one: gpio-aggregator's new_device_store and
  // delete_device_store, each with its own get and put (drivers/gpio/gpio-aggregator.c).
  bool stores_reference(const Site& s, const std::vector<Site>& sites) const {
    static const std::set<std::string> allocators = {
        "kzalloc", "kmalloc", "kcalloc", "kvzalloc", "kvmalloc", "kzalloc_node", "kmalloc_node",
        "kmem_cache_alloc", "kmem_cache_zalloc", "vzalloc", "vmalloc", "kmemdup"};
    bool allocates = false;
    for (const auto* c : calls_) allocates |= c->caller == s.function && allocators.contains(c->callee);
    if (!allocates) return false;
    const std::set<std::string> mine = roots(s.function);
    if (mine.empty()) return false;
    // A put whose own function took a reference before it is that function's pair, not this get's.
    const auto balanced = [&](const Site& put) {
      return std::any_of(sites.begin(), sites.end(), [&](const Site& g) {
        return is_get(g) && g.file == put.file && g.function == put.function && g.line < put.line;
      });
    };
    for (const Site& o : sites) {
      if (is_get(o) || o.function == s.function || !files_.contains(o.file) || balanced(o)) continue;
      const std::set<std::string> theirs = roots(o.function);
      if (theirs.empty()) continue;
      if (std::none_of(theirs.begin(), theirs.end(), [&](const std::string& r) { return mine.contains(r); })) return true;
    }
    return false;
  }

  // The module's exit function and what it (and the functions it calls) calls.
  std::string exit_function() const { return macro_arg("module_exit").value_or(""); }

 private:
  std::set<std::string> files_;
  std::vector<const Field*> fields_;
  std::vector<const Assign*> assigns_;
  std::vector<const Call*> calls_;
  std::vector<const Macro*> macros_;
  std::vector<const Function*> functions_;
  std::set<std::string> defined_;
  std::map<std::string, std::set<std::string>> callers_;
};

// ---- the scenario of one site ---------------------------------------------------------------

std::string q(const std::string& s) { return "\"" + s + "\""; }

std::string get_statement(const Site& s, bool void_fn) {
  if (s.call == "__module_get") return "__module_get(THIS_MODULE)";
  if (!s.used) return "try_module_get(THIS_MODULE)";
  return void_fn ? "if (!try_module_get(THIS_MODULE)) return" : "if (!try_module_get(THIS_MODULE)) return -ENODEV";
}

// A statement list for the site's function: for a get, module text before it (the entry), the
// get, and the return; for a put, the pin it drops (the function's own earlier get; else, with
// `pin_here`, a __module_get standing for a pin taken in another call of the same framework;
// else the scenario takes it elsewhere: the open before a release, init before a thread), the
// put, and what runs after it (the return; an exit helper never returns into the module).
std::string body(const Site& s, const Site* earlier_get, bool void_fn = false, bool pin_here = false) {
  std::vector<std::string> b;
  if (is_get(s)) {
    b.push_back("work");
    b.push_back(get_statement(s, void_fn));
  } else {
    if (earlier_get != nullptr) b.push_back(get_statement(*earlier_get, void_fn));
    else if (pin_here) b.push_back("__module_get(THIS_MODULE)");
    b.push_back("work");
    b.push_back(is_exit_helper(s) ? "module_put_and_kthread_exit(0)" : "module_put(THIS_MODULE)");
  }
  if (!is_exit_helper(s)) b.push_back("return 0");
  std::string out = "[";
  for (std::size_t i = 0; i < b.size(); ++i) out += (i ? ", " : "") + q(b[i]);
  return out + "]";
}

struct Generated {
  std::string toml;
  bool judged = false;
};

// The scenario for a site reached through `e`, in the modern kernel. The module starts loaded
// (or is loaded in a fiber's setup where its init starts something); rmmod races the entry.
Generated scenario(const Site& s, const Site* earlier_get, const Entry& e, const ModuleFacts& mf, const std::string& name,
                   const std::string& mod) {
  std::string t = fmt::format("name        = {}\nkernel      = \"modern\"\n\n[module.{}]\n", q(name), mod);
  std::string fibers;
  const bool put = !is_get(s);
  const std::string exitf = mf.exit_function();
  const auto exit_calls = [&](const std::set<std::string>& names, const std::string& arg = "") {
    return !exitf.empty() && mf.calls_any(exitf, names, arg);
  };
  if (e.framework == "chardev" || e.framework == "misc") {
    t += fmt::format("register   = {}\nfops.owner = {}\n", q(e.registration), q(e.owner ? "THIS_MODULE" : "NULL"));
    if (e.registration == "cdev_add") t += fmt::format("cdev.owner = {}\n", q(e.cdev_owner ? "THIS_MODULE" : "NULL"));
    const bool release = e.field == "release";
    if (put && release) {
      // The pin the release drops: the module's own get at open, taken before the race.
      t += "fops.open    = [\"try_module_get(THIS_MODULE)\", \"return 0\"]\n";
      t += fmt::format("fops.release = {}\n", body(s, earlier_get));
      fibers = fmt::format("[fiber.user]\nsetup = [\"open /dev/{}\"]\nrun   = [\"close\"]\n", mod);
    } else {
      const char* field = release ? "release" : e.field == "open" ? "open" : "read";
      t += fmt::format("fops.{} = {}\n", field, body(s, earlier_get, false, true));
      fibers = fmt::format("[fiber.user]\nrun = [\"open /dev/{}\", {}\"close\"]\n", mod,
                           std::string(field) == "read" ? "\"read\", " : "");
    }
  } else if (e.framework == "proc") {
    t += fmt::format("register = \"none\"\nproc.name = {}\nproc.read = {}\n", q(mod), body(s, earlier_get, false, true));
    fibers = fmt::format("[fiber.user]\nrun = [\"open /proc/{}\", \"read\", \"close\"]\n", mod);
  } else if (e.framework == "kthread" || e.framework == "work" || e.framework == "timer" || e.framework == "rcu") {
    const std::string fn = e.function;
    std::string start, exit_stmt, kind = e.framework, op = e.framework;
    if (kind == "kthread") {
      start = fmt::format("kthread_run({})", fn);
      if (exit_calls({"kthread_stop", "kthread_stop_put"})) exit_stmt = fmt::format("kthread_stop({})", fn);
    } else if (kind == "work") {
      start = fmt::format("schedule_work({})", fn);
      if (exit_calls({"flush_work", "cancel_work_sync", "cancel_delayed_work_sync", "flush_delayed_work"}, e.instance) ||
          exit_calls({"flush_scheduled_work", "destroy_workqueue", "flush_workqueue", "drain_workqueue"}) ||
          // net/sched/cls_api.c unregister_tcf_proto_ops: rcu_barrier(), then flush_workqueue(tc_filter_wq),
          // the queue of tcf_queue_work's items.
          (e.via.starts_with("tcf_queue_work") && exit_calls({"unregister_tcf_proto_ops"})))
        exit_stmt = fmt::format("cancel_work_sync({})", fn);
    } else if (kind == "timer") {
      start = fmt::format("mod_timer({})", fn);
      if (exit_calls({"del_timer_sync", "timer_shutdown_sync", "del_singleshot_timer_sync"}, e.instance))
        exit_stmt = fmt::format("del_timer_sync({})", fn);
    } else {
      start = fmt::format("call_rcu({})", fn);
      if (exit_calls({"rcu_barrier", "unregister_pernet_subsys", "unregister_pernet_device"})) exit_stmt = "rcu_barrier()";
    }
    t += "register = \"none\"\n";
    t += fmt::format("init     = [{}\"{}\", \"return 0\"]\n", put && earlier_get == nullptr ? "\"__module_get(THIS_MODULE)\", " : "", start);
    t += fmt::format("exit     = [{}]\n", exit_stmt.empty() ? "\"work\"" : q(exit_stmt));
    std::string b = body(s, earlier_get, kind != "kthread");
    if (kind != "kthread" && b.ends_with(", \"return 0\"]")) b = b.substr(0, b.size() - 13) + "]";  // void
    t += fmt::format("{}.{} = {}\n", kind, fn, b);
    fibers = fmt::format("[fiber.insmod]\nsetup = [\"insmod {}\"]\nrun   = [\"lsmod {}\"]\n\n[fiber.{}]\nrun = [\"{} {}.{}\"]\n",
                         mod, mod, kind, op, mod, fn);
  } else if (const auto idx = models::find_framework(e.framework)) {
    const Framework& f = models::frameworks()[*idx];
    t += "register = \"none\"\n";
    t += fmt::format("\n[module.{}.callback.{}]\nframework = {}\n", mod, e.function, q(e.framework));
    if (f.pin != Pin::None) t += fmt::format("owner     = {}\n", q(e.owner ? "THIS_MODULE" : "NULL"));
    if (put && f.pin == Pin::Life) {
      // A put in the release of a lifetime pin: the call pins, the release runs the site.
      t += "body      = [\"__module_get(THIS_MODULE)\", \"return 0\"]\n";  // the module's own reference the release drops
      t += fmt::format("release   = {}\n", body(s, earlier_get));
      fibers = fmt::format("[fiber.caller]\nsetup = [\"call {}.{}\"]\nrun   = [\"release {}.{}\"]\n", mod, e.function, mod,
                           e.function);
    } else {
      t += fmt::format("body      = {}\n", body(s, earlier_get, false, true));
      fibers = fmt::format("[fiber.caller]\nrun = [\"call {}.{}\"{}]\n", mod, e.function,
                           f.pin == Pin::Life ? fmt::format(", \"release {}.{}\"", mod, e.function) : "");
    }
  } else {
    return {};
  }
  t += "\n" + fibers + fmt::format("\n[fiber.rmmod]\nrun = [\"rmmod {}\"]\n\n[expect]\nverdict = \"safe\"\n", mod);
  return {t, true};
}

// ---- reasons and fixes -----------------------------------------------------------------------

std::string reason_of(const Entry& e) {
  if (e.framework == "chardev")
    return e.owner ? "chrdev_open's fops_get pins fops.owner before ->open, until __fput's fops_put"
                   : "chrdev_open pins nothing: fops.owner is NULL";
  if (e.framework == "misc")
    return e.owner ? "misc_open's fops_get pins fops.owner; misc_mtx covers ->open"
                   : "misc_open holds misc_mtx across ->open only; fops.owner is NULL";
  if (e.framework == "proc") return "proc_reg_* run the handler inside use_pde; remove_proc_entry drains it";
  if (e.framework == "kthread") return "kthread() calls the function in module text; only kthread_stop in exit waits for it";
  if (e.framework == "work") return "process_one_work calls it; only flush_work/cancel_work_sync in exit waits for it";
  if (e.framework == "timer") return "call_timer_fn calls it; only del_timer_sync in exit waits for it";
  if (e.framework == "rcu") return "rcu_do_batch calls it after a grace period; only rcu_barrier in exit waits for it";
  if (e.framework == "init") return "do_init_module runs init while the module is COMING; exit cannot run before it returns";
  if (e.framework == "exported") return "a module calling it links against it: ref_module keeps this module loaded";
  if (const auto idx = models::find_framework(e.framework)) {
    const Framework& f = models::frameworks()[*idx];
    switch (f.pin) {
      case Pin::Call: return fmt::format("{} pins {}->owner ({}) around the call", f.caller, f.ops, e.owner ? "THIS_MODULE" : "NULL");
      case Pin::Life: return fmt::format("{} pins {}->owner ({}) until the release", f.caller, f.ops, e.owner ? "THIS_MODULE" : "NULL");
      case Pin::None: break;
    }
    switch (f.across) {
      case Across::Mutex: return fmt::format("{} holds {} across the call; {} takes it", f.caller, f.lock, f.unregister_fn);
      case Across::RwsemRead: return fmt::format("{} holds {} for read across the call; {} takes it for write", f.caller, f.lock, f.unregister_fn);
      case Across::Rcu:
        return f.unregister_syncs
                   ? fmt::format("{} calls inside rcu_read_lock; {} waits in synchronize_rcu", f.caller, f.unregister_fn)
                   : fmt::format("{} calls inside rcu_read_lock; {} waits for nothing, free_module's synchronize_rcu does",
                                 f.caller, f.unregister_fn);
      case Across::Active: return fmt::format("{} holds an active reference ({}) across the call; {} drains it", f.caller, f.lock, f.unregister_fn);
      case Across::Irq: return fmt::format("{} runs the handler; {} waits for it in synchronize_irq", f.caller, f.unregister_fn);
      case Across::Nothing:
        // The generic preset names the structure the site is reached through instead.
        if (f.name == "ops-no-owner") return fmt::format("the caller of {} holds no pin and nothing the module's exit waits for", e.via);
        return fmt::format("{} calls {} with no pin and nothing {} waits for", f.caller, f.ops, f.unregister_fn);
    }
  }
  return "";
}

std::string fix_of(const Site& s, const Entry& e, Class c) {
  if (c != Class::Unsafe && c != Class::Uncovered) return "";
  if (e.framework == "chardev" || e.framework == "misc")
    return fmt::format("set .owner = THIS_MODULE in {} and drop the self {}", e.instance, is_get(s) ? "get" : "put");
  if (e.framework == "kthread") return "end the thread with module_put_and_kthread_exit(), or kthread_stop() it in exit";
  if (e.framework == "work") return fmt::format("cancel_work_sync(&{}) (or flush_work) in the module's exit", e.instance.empty() ? "work" : e.instance);
  if (e.framework == "timer") return fmt::format("del_timer_sync(&{}) in the module's exit", e.instance.empty() ? "timer" : e.instance);
  if (e.framework == "rcu") return "rcu_barrier() in the module's exit, after the last call_rcu";
  if (const auto idx = models::find_framework(e.framework)) {
    const Framework& f = models::frameworks()[*idx];
    if (f.pin != Pin::None) return fmt::format("set .owner = THIS_MODULE in {}", e.instance);
    return fmt::format("{} has no owner: the caller must pin the module, or the exit must wait for {}",
                       f.name == "ops-no-owner" ? e.via : std::string(f.ops), e.function);
  }
  return "";
}

std::string module_ident(const std::string& name) {
  std::string s;
  for (char c : name) s += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  return s.empty() ? "m" : s;
}

}  // namespace

const char* to_string(Class c) {
  switch (c) {
    case Class::Unsafe: return "unsafe";
    case Class::Redundant: return "redundant";
    case Class::HandOff: return "hand-off";
    case Class::Covered: return "covered";
    case Class::Uncovered: return "uncovered";
    case Class::Unknown: return "unknown";
  }
  return "?";
}

bool is_finding(Class c) { return c == Class::Unsafe || c == Class::Uncovered; }

std::vector<Finding> classify(const Facts& facts, const ModuleMap& modules) {
  std::map<std::string, ModuleFacts> per_module;
  std::vector<Finding> out;
  for (const Site& s : facts.sites) {
    Finding fd;
    fd.site = s;
    const auto mit = modules.module_of.find(s.file);
    fd.module = mit == modules.module_of.end() ? s.file : mit->second;
    const auto fit = modules.files_of.find(fd.module);
    const std::vector<std::string> files = fit == modules.files_of.end() ? std::vector<std::string>{s.file} : fit->second;
    const auto pit = per_module.try_emplace(fd.module, facts, files).first;
    const ModuleFacts& mf = pit->second;
    // The entries that reach the site's function: the first whose framework is known decides.
    std::vector<Entry> entries;
    for (const auto& g : mf.reach(s.function))
      for (auto& e : mf.entries(g)) entries.push_back(std::move(e));
    std::stable_partition(entries.begin(), entries.end(), [](const Entry& e) { return e.framework != "unknown" && e.framework != "exit"; });
    if (entries.empty()) {
      fd.framework = "unknown";
      fd.via = fmt::format("nothing in the module refers to {}", s.function);
      fd.cls = Class::Unknown;
      fd.verdict = "not checked";
      fd.reason = "no entry point found: its caller is outside what the scan sees";
      out.push_back(std::move(fd));
      continue;
    }
    const Entry& e = entries.front();
    fd.framework = e.framework;
    fd.via = e.via;
    fd.reason = reason_of(e);
    if (e.framework == "unknown" || e.framework == "exit") {
      fd.cls = Class::Unknown;
      fd.verdict = "not checked";
      fd.reason = e.framework == "exit" ? "runs in the module's own exit" : fmt::format("unknown framework: {}", e.via);
      out.push_back(std::move(fd));
      continue;
    }
    const std::string mod = module_ident(modules.name(fd.module));
    fd.scenario_name = fmt::format("{}_{}_{}", mod, s.function, s.line);
    if (e.framework == "init" || e.framework == "exported") {
      // init runs while COMING; an exported function's callers hold a load-time dependency.
      fd.cls = is_get(s) ? (e.framework == "init" ? Class::HandOff : Class::Redundant) : Class::Covered;
      fd.verdict = "not checked";
      out.push_back(std::move(fd));
      continue;
    }
    const Site* earlier_get = nullptr;
    if (!is_get(s))
      for (const Site& o : facts.sites)
        if (o.file == s.file && o.function == s.function && is_get(o) && o.line < s.line) earlier_get = &o;
    const Generated g = scenario(s, earlier_get, e, mf, fd.scenario_name, mod);
    if (!g.judged) {
      fd.cls = Class::Unknown;
      fd.verdict = "not checked";
      out.push_back(std::move(fd));
      continue;
    }
    fd.scenario = g.toml;
    const auto parsed = models::parse_scenario(g.toml, fd.scenario_name + ".toml");
    if (!parsed) {
      fd.cls = Class::Unknown;
      fd.verdict = "not checked";
      fd.reason = "racewin could not express it: " + parsed.error().message;
      out.push_back(std::move(fd));
      continue;
    }
    // The question is whether module text can run after the free around the site: the search
    // looks for that kind; others it meets are named in the verdict.
    models::Scenario sc = models::for_era(*parsed, models::Era::Modern);
    sc.expect = models::Expectation{.violation = true, .kind = "module-code-after-unload", .outcomes = std::nullopt};
    engine::ExploreOptions opt;
    opt.jobs = 1;
    const auto r = models::check_scenario(sc, opt);
    const bool violation = r.report.violation.has_value() && r.report.violation->kind == "module-code-after-unload";
    if (r.report.violation) fd.found_kind = r.report.violation->kind;
    if (violation) fd.verdict = "violation module-code-after-unload";
    else if (r.report.violation) fd.verdict = "safe from unload (also " + r.report.violation->kind + ")";
    else fd.verdict = std::string(engine::to_string(r.report.verdict));
    if (is_get(s)) {
      // A get whose function also starts a thread, queues work, arms a timer or queues an RCU
      // callback takes its reference for that: a hand-off.
      // So does a get whose reference an allocated object keeps until a put elsewhere.
      const bool hands_off = mf.calls_any(s.function, {"kthread_run", "kthread_create", "kthread_create_on_node", "schedule_work",
                                                       "queue_work", "schedule_delayed_work", "queue_delayed_work",
                                                       "mod_timer", "add_timer", "call_rcu"}) ||
                             mf.stores_reference(s, facts.sites);
      // An exposed window before the get is the finding, whatever the reference is for; but
      // __module_get may only be called by a holder of a reference (include/linux/module.h), a
      // precondition the scenario cannot see: it passes a reference on.
      fd.cls = s.call == "__module_get" ? Class::HandOff
             : violation                ? Class::Unsafe
             : hands_off                ? Class::HandOff
                                        : Class::Redundant;
    } else {
      fd.cls = violation ? Class::Uncovered : Class::Covered;
    }
    fd.fix = fix_of(s, e, fd.cls);
    out.push_back(std::move(fd));
  }
  std::sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    return std::tie(a.site.file, a.site.line) < std::tie(b.site.file, b.site.line);
  });
  return out;
}

}  // namespace rw::scan
