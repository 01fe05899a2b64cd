// models/frameworks.cpp: the caller frameworks of shared/FRAMEWORKS.md (Linux 6.1) as presets of
// one model. A preset is data; the two functions that use it, the caller's and the
// unregistration's, follow the kernel's shape common to all of them: look the callback up (under
// a lock, an rwsem, RCU, an active reference, or a registry lock dropped before the call), pin
// ->owner for the call or for a lifetime, call into module text, and undo; unregistering unlinks
// and takes, or waits for, what the callers hold across the call.
#include "models/frameworks.hpp"

#include <algorithm>

#include "models/errno.hpp"
#include "models/module.hpp"
#include "models/statements.hpp"
#include "models/sync.hpp"

namespace rw::models {
using engine::Access;

namespace {

// The presets. Each cites the kernel functions it mirrors (Linux 6.1, shared/FRAMEWORKS.md).
constexpr Framework kFrameworks[] = {
    // kernel/notifier.c blocking_notifier_call_chain: down_read(&nh->rwsem) across the calls;
    // blocking_notifier_chain_unregister: down_write(&nh->rwsem).
    {.name = "notifier-blocking", .ops = "notifier_block.notifier_call", .caller = "blocking_notifier_call_chain",
     .mirrors = "kernel/notifier.c blocking_notifier_call_chain, blocking_notifier_chain_unregister",
     .register_fn = "blocking_notifier_chain_register", .unregister_fn = "blocking_notifier_chain_unregister",
     .across = Across::RwsemRead, .lock = "nh->rwsem", .lock_per_callback = true, .absent = 0},
    // kernel/notifier.c atomic_notifier_call_chain: rcu_read_lock across the calls;
    // atomic_notifier_chain_unregister: spin_lock(&nh->lock), unlink, spin_unlock, synchronize_rcu().
    {.name = "notifier-atomic", .ops = "notifier_block.notifier_call", .caller = "atomic_notifier_call_chain",
     .mirrors = "kernel/notifier.c atomic_notifier_call_chain, atomic_notifier_chain_unregister",
     .register_fn = "atomic_notifier_chain_register", .unregister_fn = "atomic_notifier_chain_unregister",
     .across = Across::Rcu, .lock = "nh->lock", .lock_per_callback = true, .unregister_syncs = true, .absent = 0},
    // net/core/dev.c call_netdevice_notifiers runs under RTNL; unregister_netdevice_notifier takes it.
    {.name = "notifier-netdevice", .ops = "notifier_block.notifier_call", .caller = "call_netdevice_notifiers",
     .mirrors = "net/core/dev.c call_netdevice_notifiers (ASSERT_RTNL), unregister_netdevice_notifier (rtnl_lock)",
     .register_fn = "register_netdevice_notifier", .unregister_fn = "unregister_netdevice_notifier",
     .across = Across::Mutex, .lock = "rtnl_mutex", .absent = 0},
    // net/netlink/genetlink.c genl_rcv: down_read(&cb_lock) across genl_rcv_msg and ->doit;
    // genl_unregister_family: genl_lock_all() (down_write(&cb_lock)).
    {.name = "genl", .ops = "genl_ops.doit", .caller = "genl_rcv_msg",
     .mirrors = "net/netlink/genetlink.c genl_rcv, genl_family_rcv_msg_doit, genl_unregister_family",
     .register_fn = "genl_register_family", .unregister_fn = "genl_unregister_family",
     .across = Across::RwsemRead, .lock = "cb_lock", .absent = -ENOENT},
    // net/netfilter/nfnetlink.c nfnetlink_rcv_msg: NFNL_CB_MUTEX calls under nfnl_lock(subsys);
    // nfnetlink_subsys_unregister: nfnl_lock, unlink, nfnl_unlock, synchronize_rcu().
    {.name = "nfnetlink-mutex", .ops = "nfnl_callback.call", .caller = "nfnetlink_rcv_msg",
     .mirrors = "net/netfilter/nfnetlink.c nfnetlink_rcv_msg (NFNL_CB_MUTEX), nfnetlink_subsys_unregister",
     .register_fn = "nfnetlink_subsys_register", .unregister_fn = "nfnetlink_subsys_unregister",
     .across = Across::Mutex, .lock = "nfnl_lock", .absent = -EINVAL},
    // The same with NFNL_CB_RCU: the callback runs inside rcu_read_lock.
    {.name = "nfnetlink-rcu", .ops = "nfnl_callback.call", .caller = "nfnetlink_rcv_msg",
     .mirrors = "net/netfilter/nfnetlink.c nfnetlink_rcv_msg (NFNL_CB_RCU), nfnetlink_subsys_unregister",
     .register_fn = "nfnetlink_subsys_register", .unregister_fn = "nfnetlink_subsys_unregister",
     .across = Across::Rcu, .lock = "nfnl_lock", .unregister_syncs = true, .absent = -EINVAL},
    // drivers/base/dd.c __driver_attach: device_lock(dev) around driver_probe_device -> ->probe;
    // driver_unregister -> driver_detach takes device_lock(dev) for each bound device.
    {.name = "driver-probe", .ops = "device_driver.probe", .caller = "__driver_attach",
     .mirrors = "drivers/base/dd.c __driver_attach, really_probe, driver_detach",
     .register_fn = "driver_register", .unregister_fn = "driver_unregister",
     .across = Across::Mutex, .lock = "device_lock", .lock_per_callback = true, .absent = -ENODEV},
    // net/core/dev.c __dev_open runs with RTNL held (ASSERT_RTNL); unregister_netdev takes rtnl_lock.
    {.name = "netdev-open", .ops = "net_device_ops.ndo_open", .caller = "__dev_open",
     .mirrors = "net/core/dev.c dev_open, __dev_open, unregister_netdev",
     .register_fn = "register_netdev", .unregister_fn = "unregister_netdev",
     .across = Across::Mutex, .lock = "rtnl_mutex", .absent = -ENODEV},
    // drivers/scsi/fcoe/fcoe_transport.c: ->create under ft_mutex; fcoe_transport_detach takes it.
    {.name = "fcoe-transport", .ops = "fcoe_transport.create", .caller = "fcoe_transport_create",
     .mirrors = "drivers/scsi/fcoe/fcoe_transport.c fcoe_transport_create (ft_mutex held across ->create), fcoe_transport_detach",
     .register_fn = "fcoe_transport_attach", .unregister_fn = "fcoe_transport_detach",
     .across = Across::Mutex, .lock = "ft_mutex", .absent = -ENODEV},
    // fs/kernfs/file.c kernfs_fop_write_iter: kernfs_get_active(kn) across ->store; removal
    // (kernfs_remove -> __kernfs_remove) deactivates the node and kernfs_drain waits for active == 0.
    {.name = "sysfs-store", .ops = "attribute.store", .caller = "kernfs_fop_write_iter",
     .mirrors = "fs/kernfs/file.c kernfs_fop_write_iter; fs/kernfs/dir.c kernfs_get_active, kernfs_drain",
     .register_fn = "sysfs_create_file", .unregister_fn = "sysfs_remove_file",
     .across = Across::Active, .lock = "kn->active", .absent = -ENODEV},
    // fs/proc/inode.c proc_reg_write: use_pde / unuse_pde around ->proc_write;
    // remove_proc_entry -> proc_entry_rundown waits for in_use to drain.
    {.name = "proc-write", .ops = "proc_ops.proc_write", .caller = "proc_reg_write",
     .mirrors = "fs/proc/inode.c proc_reg_write, use_pde, unuse_pde, proc_entry_rundown",
     .register_fn = "proc_create_data", .unregister_fn = "proc_remove",
     .across = Across::Active, .lock = "pde->in_use", .absent = -EIO},
    // kernel/irq/handle.c handle_irq_event: the handler runs in hard-irq context, IRQD_IRQ_INPROGRESS
    // set; kernel/irq/manage.c __free_irq unlinks the action, then synchronize_irq waits.
    {.name = "irq", .ops = "irqaction.handler", .caller = "handle_irq_event",
     .mirrors = "kernel/irq/handle.c handle_irq_event; kernel/irq/manage.c __free_irq, synchronize_irq",
     .register_fn = "request_irq", .unregister_fn = "free_irq",
     .across = Across::Irq, .lock = "IRQD_IRQ_INPROGRESS", .absent = 0},
    // drivers/isdn/mISDN/stack.c connect_layer1: dev->D.ctrl(...) with no lock the driver's exit
    // takes, no owner: nothing pins, nothing waits. The ops pointer lives in the driver's kmalloc'd
    // device, not its static data.
    {.name = "misdn-channel", .ops = "mISDNchannel.ctrl", .caller = "connect_layer1",
     .mirrors = "drivers/isdn/mISDN/stack.c connect_layer1; socket.c data_sock_bind",
     .register_fn = "mISDN_register_device", .unregister_fn = "mISDN_unregister_device",
     .across = Across::Nothing, .ops_in_module_data = false, .absent = -ENODEV},
    // drivers/isdn/mISDN/core.c get_Bprotocol4mask: read_lock(&bp_lock) for the lookup only;
    // connect_Bstack calls ->create after read_unlock; mISDN_unregister_Bprotocol: write_lock.
    {.name = "misdn-bprotocol", .ops = "Bprotocol.create", .caller = "connect_Bstack",
     .mirrors = "drivers/isdn/mISDN/core.c get_Bprotocol4mask, mISDN_unregister_Bprotocol; stack.c connect_Bstack",
     .register_fn = "mISDN_register_Bprotocol", .unregister_fn = "mISDN_unregister_Bprotocol",
     .across = Across::Nothing, .lock = "bp_lock", .absent = -EINVAL},
    // Any ops table without an owner that its caller calls unlocked (net/bluetooth/l2cap_core.c
    // l2cap_chan_ready -> chan->ops->ready, with only the channel's lock).
    {.name = "ops-no-owner", .ops = "ops.fn", .caller = "the caller",
     .mirrors = "net/bluetooth/l2cap_core.c l2cap_chan_ready (chan->ops->ready): no owner, no lock exit takes",
     .register_fn = "register_ops", .unregister_fn = "unregister_ops",
     .across = Across::Nothing, .absent = -ENODEV},
    // net/sunrpc/xprt.c xprt_create_transport: xprt_class_find_by_ident_locked pins t->owner under
    // xprt_list_lock; ->setup; xprt_class_release drops the pin.
    {.name = "xprt-class", .ops = "xprt_class.setup", .caller = "xprt_create_transport",
     .mirrors = "net/sunrpc/xprt.c xprt_create_transport, xprt_class_find_by_ident_locked, xprt_class_release",
     .register_fn = "xprt_register_transport", .unregister_fn = "xprt_unregister_transport",
     .across = Across::Nothing, .lock = "xprt_list_lock", .pin = Pin::Call, .absent = -EIO},
    // net/sunrpc/auth.c rpcauth_get_authops: rcu_dereference(auth_flavors[flavor]) and
    // try_module_get(ops->owner) inside rcu_read_lock; rpcauth_create calls ->create, then
    // rpcauth_put_authops drops the pin. rpcauth_unregister is a cmpxchg to NULL, no wait.
    {.name = "rpc-authops", .ops = "rpc_authops.create", .caller = "rpcauth_create",
     .mirrors = "net/sunrpc/auth.c rpcauth_get_authops, rpcauth_create, rpcauth_put_authops, rpcauth_unregister",
     .register_fn = "rpcauth_register", .unregister_fn = "rpcauth_unregister",
     .across = Across::Nothing, .pin = Pin::Call, .lookup_rcu = true, .absent = -EINVAL},
    // net/netfilter/nf_sockopt.c nf_sockopt_find pins ops->owner under nf_sockopt_mutex;
    // nf_sockopt calls ->set, then module_put(ops->owner).
    {.name = "nf-sockopt", .ops = "nf_sockopt_ops.set", .caller = "nf_sockopt",
     .mirrors = "net/netfilter/nf_sockopt.c nf_sockopt_find, nf_sockopt, nf_unregister_sockopt",
     .register_fn = "nf_register_sockopt", .unregister_fn = "nf_unregister_sockopt",
     .across = Across::Nothing, .lock = "nf_sockopt_mutex", .pin = Pin::Call, .absent = -ENOPROTOOPT},
    // block/bdev.c blkdev_get_by_dev pins disk->fops->owner under disk->open_mutex before ->open
    // (6.1.192: bdev.c:832) and blkdev_put drops it after ->release (bdev.c:971).
    // It holds disk->open_mutex across ->open (bdev.c:828-856) and blkdev_put across ->release;
    // del_gendisk takes it (block/genhd.c:630).
    {.name = "block-open", .ops = "block_device_operations.open", .caller = "blkdev_get_by_dev",
     .mirrors = "block/bdev.c blkdev_get_by_dev, blkdev_put; block/genhd.c del_gendisk",
     .register_fn = "add_disk", .unregister_fn = "del_gendisk",
     .across = Across::Mutex, .lock = "disk->open_mutex", .lock_per_callback = true, .pin = Pin::Life,
     .absent = -ENXIO, .release_field = "release"},
    // drivers/tty/tty_io.c tty_open -> tty_init_dev: try_module_get(driver->owner) until tty_release.
    {.name = "tty-open", .ops = "tty_operations.open", .caller = "tty_open",
     .mirrors = "drivers/tty/tty_io.c tty_open, tty_lookup_driver, tty_init_dev, tty_release",
     .register_fn = "tty_register_driver", .unregister_fn = "tty_unregister_driver",
     .across = Across::Nothing, .lock = "tty_mutex", .pin = Pin::Life, .absent = -ENODEV, .release_field = "close"},
    // net/socket.c __sock_create: rcu_dereference(net_families[family]) and
    // try_module_get(pf->owner) inside rcu_read_lock, pf->create, then sock->ops->owner pinned
    // until sock_release (modelled as one pin from create to release); sock_unregister clears
    // the entry under net_family_lock, then synchronize_rcu().
    {.name = "socket", .ops = "net_proto_family.create", .caller = "__sock_create",
     .mirrors = "net/socket.c __sock_create, sock_release, sock_unregister",
     .register_fn = "sock_register", .unregister_fn = "sock_unregister",
     .across = Across::Nothing, .lock = "net_family_lock", .pin = Pin::Life, .lookup_rcu = true,
     .unregister_syncs = true, .absent = -EAFNOSUPPORT, .release_field = "release"},
    // net/core/rtnetlink.c rtnetlink_rcv_msg: RTM_NEWLINK and RTM_DELLINK are registered without
    // RTNL_FLAG_DOIT_UNLOCKED (rtnetlink_init), so rtnl_lock() is held across rtnl_newlink ->
    // __rtnl_newlink -> rtnl_newlink_create -> ops->newlink and rtnl_dellink -> ops->dellink;
    // rtnl_link_unregister takes rtnl_lock (rtnl_lock_unregistering_all) to unlink the ops.
    {.name = "rtnl-link", .ops = "rtnl_link_ops.newlink", .caller = "rtnl_newlink",
     .mirrors = "net/core/rtnetlink.c rtnetlink_rcv_msg, rtnl_newlink, rtnl_dellink, rtnl_link_unregister",
     .register_fn = "rtnl_link_register", .unregister_fn = "rtnl_link_unregister",
     .across = Across::Mutex, .lock = "rtnl_mutex", .absent = -ENODEV},
    // net/core/net_namespace.c cleanup_net: down_read(&pernet_ops_rwsem) across ops_exit_list ->
    // ops->exit (copy_net_ns -> setup_net likewise for ->init); unregister_pernet_subsys and
    // unregister_pernet_device take it for write.
    {.name = "pernet", .ops = "pernet_operations.exit", .caller = "cleanup_net",
     .mirrors = "net/core/net_namespace.c cleanup_net, copy_net_ns, ops_exit_list, unregister_pernet_subsys",
     .register_fn = "register_pernet_subsys", .unregister_fn = "unregister_pernet_subsys",
     .across = Across::RwsemRead, .lock = "pernet_ops_rwsem", .absent = 0},
    // An ops pointer a module publishes with rcu_assign_pointer and its callers call inside
    // rcu_read_lock; the module clears it and calls synchronize_rcu() before it goes.
    // include/linux/soc/mediatek/mtk_wed.h mtk_wed_device_attach: rcu_read_lock, rcu_dereference
    // (mtk_soc_wed_ops), ->attach; drivers/net/ethernet/mediatek/mtk_wed.c mtk_wed_exit:
    // rcu_assign_pointer(mtk_soc_wed_ops, NULL), synchronize_rcu(). net/netfilter/
    // nf_conntrack_timeout.c nf_ct_set_timeout, nf_ct_destroy_timeout: rcu_read_lock,
    // rcu_dereference(nf_ct_timeout_hook), ->timeout_find_get / ->timeout_put;
    // nfnetlink_cttimeout.c cttimeout_exit: RCU_INIT_POINTER(nf_ct_timeout_hook, NULL), synchronize_net().
    {.name = "rcu-hook", .ops = "rcu-published ops (mtk_wed_ops.attach)", .caller = "rcu_dereference(hook)->fn",
     .mirrors = "include/linux/soc/mediatek/mtk_wed.h mtk_wed_device_attach; drivers/net/ethernet/mediatek/mtk_wed.c mtk_wed_exit; "
                "net/netfilter/nf_conntrack_timeout.c nf_ct_set_timeout, nf_ct_destroy_timeout; net/netfilter/nfnetlink_cttimeout.c cttimeout_exit",
     .register_fn = "rcu_assign_pointer", .unregister_fn = "RCU_INIT_POINTER",  // (hook, &ops), (hook, NULL)
     .across = Across::Rcu, .lock = "hook", .unregister_syncs = true, .absent = -ENODEV},
    // kernel/debug/debug_core.c kgdb_cpu_enter: rcu_read_lock() and local_irq_save() before
    // dbg_io_ops->pre_exception, both released after ->post_exception; kgdb_unregister_io_module
    // clears dbg_io_ops under kgdb_registration_lock and waits for nothing. What covers a call in
    // flight is free_module's synchronize_rcu() (kernel/module/main.c), after the exit.
    {.name = "kgdb-io", .ops = "kgdb_io.pre_exception", .caller = "kgdb_cpu_enter",
     .mirrors = "kernel/debug/debug_core.c kgdb_cpu_enter, kgdb_unregister_io_module; kernel/module/main.c free_module (synchronize_rcu)",
     .register_fn = "kgdb_register_io_module", .unregister_fn = "kgdb_unregister_io_module",
     .across = Across::Rcu, .lock = "kgdb_registration_lock", .absent = 0},
    // lib/kobject.c kobject_put: the put that drops the last reference runs kobject_release ->
    // kobject_cleanup -> ktype->release (drivers/base/core.c device_release: dev->release,
    // dev->type->release or dev->class->dev_release) in whatever task dropped it, holding nothing;
    // the kobject's refcount is no pin on the module that owns the release, and the module's
    // exit (device_unregister, kobject_put of its own references) waits for no other holder's put.
    // include/linux/kref.h kref_put calls its release the same way.
    {.name = "kobject-release", .ops = "kobj_type.release", .caller = "kobject_cleanup",
     .mirrors = "lib/kobject.c kobject_put, kobject_release, kobject_cleanup; drivers/base/core.c device_release; include/linux/kref.h kref_put",
     .register_fn = "kobject_init", .unregister_fn = "kobject_put",
     .across = Across::Nothing, .absent = 0},
    // net/atm/ioctl.c do_vcc_ioctl: mutex_lock(&ioctl_mutex), for each registered atm_ioctl
    // try_module_get(ic->owner), ic->ioctl, module_put(ic->owner), mutex_unlock; deregister_atm_ioctl
    // takes ioctl_mutex to unlink.
    {.name = "atm-ioctl", .ops = "atm_ioctl.ioctl", .caller = "do_vcc_ioctl",
     .mirrors = "net/atm/ioctl.c do_vcc_ioctl, register_atm_ioctl, deregister_atm_ioctl",
     .register_fn = "register_atm_ioctl", .unregister_fn = "deregister_atm_ioctl",
     .across = Across::Mutex, .lock = "ioctl_mutex", .pin = Pin::Call, .absent = -EINVAL},
    // drivers/mtd/chips/chipreg.c get_mtd_chip_driver: try_module_get(drv->module) under
    // chip_drvs_lock; do_map_probe calls drv->probe, then module_put(drv->module) (NULL when
    // absent); unregister_mtd_chip_driver unlinks under chip_drvs_lock.
    {.name = "mtd-chip", .ops = "mtd_chip_driver.probe", .caller = "do_map_probe",
     .mirrors = "drivers/mtd/chips/chipreg.c get_mtd_chip_driver, do_map_probe, unregister_mtd_chip_driver",
     .register_fn = "register_mtd_chip_driver", .unregister_fn = "unregister_mtd_chip_driver",
     .across = Across::Nothing, .lock = "chip_drvs_lock", .pin = Pin::Call, .absent = -ENODEV},
    // net/sched/act_api.c tc_action_load_ops -> tc_lookup_action_n: try_module_get(a->owner) under
    // read_lock(&act_mod_lock); tcf_action_init_1 calls ->init; the pin stays with the action until
    // __tcf_action_put -> tcf_action_cleanup -> module_put(ops->owner) (dropped at once on failure);
    // tcf_unregister_action unlinks under write_lock(&act_mod_lock).
    {.name = "tc-action", .ops = "tc_action_ops.init", .caller = "tcf_action_init_1",
     .mirrors = "net/sched/act_api.c tc_action_load_ops, tc_lookup_action_n, tcf_action_init_1, __tcf_action_put, tcf_unregister_action",
     .register_fn = "tcf_register_action", .unregister_fn = "tcf_unregister_action",
     .across = Across::Nothing, .lock = "act_mod_lock", .pin = Pin::Life, .absent = -ENOENT, .release_field = "cleanup"},
    // net/sched/cls_api.c tcf_proto_lookup_ops: try_module_get(t->owner) under
    // read_lock(&cls_mod_lock); tcf_proto_create calls ->init and keeps the pin with the filter;
    // tcf_proto_destroy calls ->destroy, then module_put(tp->ops->owner); unregister_tcf_proto_ops
    // waits for the destroy handlers' deferred work (rcu_barrier, flush_workqueue(tc_filter_wq)),
    // then unlinks under write_lock(&cls_mod_lock).
    {.name = "tcf-proto", .ops = "tcf_proto_ops.init", .caller = "tcf_proto_create",
     .mirrors = "net/sched/cls_api.c tcf_proto_lookup_ops, tcf_proto_create, tcf_proto_destroy, unregister_tcf_proto_ops",
     .register_fn = "register_tcf_proto_ops", .unregister_fn = "unregister_tcf_proto_ops",
     .across = Across::Nothing, .lock = "cls_mod_lock", .pin = Pin::Life, .absent = -ENOENT, .release_field = "destroy"},
    // fs/filesystems.c __get_fs_type: try_module_get(fs->owner) under read_lock(&file_systems_lock);
    // fs/fs_context.c alloc_fs_context keeps the file_system_type pinned in fc->fs_type until
    // put_fs_context; fs/super.c vfs_get_tree calls fc->ops->get_tree in between.
    // unregister_filesystem unlinks under write_lock, then synchronize_rcu().
    {.name = "fs-context", .ops = "fs_context_operations.get_tree", .caller = "vfs_get_tree",
     .mirrors = "fs/filesystems.c __get_fs_type, unregister_filesystem; fs/fs_context.c alloc_fs_context, put_fs_context; fs/super.c vfs_get_tree",
     .register_fn = "register_filesystem", .unregister_fn = "unregister_filesystem",
     .across = Across::Nothing, .lock = "file_systems_lock", .pin = Pin::Call, .unregister_syncs = true, .absent = -ENODEV},
    // net/l2tp/l2tp_netlink.c l2tp_nl_cmd_session_create, a .doit of l2tp_nl_family, which has no
    // parallel_ops: genl_family_rcv_msg_doit holds genl_lock() (genl_mutex) across it and its call of
    // l2tp_nl_cmd_ops[pw_type]->session_create; l2tp_nl_unregister_ops clears the slot under genl_lock().
    {.name = "l2tp-nl-cmd", .ops = "l2tp_nl_cmd_ops.session_create", .caller = "l2tp_nl_cmd_session_create",
     .mirrors = "net/l2tp/l2tp_netlink.c l2tp_nl_cmd_session_create, l2tp_nl_unregister_ops; net/netlink/genetlink.c genl_family_rcv_msg_doit",
     .register_fn = "l2tp_nl_register_ops", .unregister_fn = "l2tp_nl_unregister_ops",
     .across = Across::Mutex, .lock = "genl_mutex", .absent = -EINVAL},
    // A cxgb4 upper-layer driver's callbacks: drivers/net/ethernet/chelsio/cxgb4/cxgb4_main.c calls
    // a ULD's state_change (notify_ulds, detach_ulds), tlsdev_ops (cxgb4_ktls_dev_add/_del) and
    // xfrmdev_ops (cxgb4_xfrm_add_state, cxgb4_xfrm_free_state: mutex_trylock, skipped when busy)
    // holding uld_mutex, as uld_attach does for ->add and ->state_change (cxgb4_uld.c);
    // cxgb4_unregister_uld takes uld_mutex.
    {.name = "cxgb4-uld", .ops = "cxgb4_uld_info.state_change", .caller = "notify_ulds",
     .mirrors = "drivers/net/ethernet/chelsio/cxgb4/cxgb4_main.c notify_ulds, cxgb4_ktls_dev_add, cxgb4_xfrm_add_state; "
                "cxgb4_uld.c uld_attach, cxgb4_unregister_uld",
     .register_fn = "cxgb4_register_uld", .unregister_fn = "cxgb4_unregister_uld",
     .across = Across::Mutex, .lock = "uld_mutex", .absent = -ENODEV},
    // drivers/watchdog/watchdog_dev.c watchdog_open: try_module_get(wdd->ops->owner) before
    // ->start (watchdog_start), unless the hardware runs, when watchdog_cdev_register already
    // holds that pin (__module_get); watchdog_release calls ->stop (watchdog_stop) under
    // wd_data->lock and drops the pin (module_put(wd_data->cdev.owner)) only after, and not while
    // the watchdog still runs. The open finds the device under misc_open's misc_mtx
    // (/dev/watchdog), which watchdog_cdev_unregister's misc_deregister takes (for /dev/watchdogN,
    // chrdev_open's cdev_get has pinned cdev.owner, the same module, before).
    {.name = "watchdog", .ops = "watchdog_ops.start", .caller = "watchdog_open",
     .mirrors = "drivers/watchdog/watchdog_dev.c watchdog_open, watchdog_release, watchdog_cdev_register, watchdog_cdev_unregister",
     .register_fn = "watchdog_register_device", .unregister_fn = "watchdog_unregister_device",
     .across = Across::Nothing, .lock = "misc_mtx", .pin = Pin::Life, .absent = -EBUSY, .release_field = "stop"},
};

bool has_lookup_lock(const Framework& f) {
  return (f.across == Across::Nothing || f.across == Across::Rcu) && !f.lock.empty();
}

}  // namespace

std::span<const Framework> frameworks() { return kFrameworks; }

std::optional<std::size_t> find_framework(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kFrameworks); ++i)
    if (kFrameworks[i].name == name) return i;
  return std::nullopt;
}

namespace {
const Framework& framework_of(const Module& m, std::size_t cb) { return kFrameworks[m.def->callbacks[cb].framework]; }
Module* owner_of(Module& m, std::size_t cb) {
  return m.def->callbacks[cb].owner == Owner::ThisModule ? &m : nullptr;
}

// Takes or drops what the caller holds while it looks the callback up (and, for the
// frameworks that exclude exit, across the call too).
void hold(Ctx& c, Module& m, std::size_t cb, engine::Label here) {
  const Framework& f = framework_of(m, cb);
  switch (f.across) {
    case Across::Mutex: lock_checked(c, m.o_cb_lock[cb], here, std::source_location::current()); break;
    case Across::RwsemRead: down_read(c, m.cb_rwsem[cb], false, here); break;
    case Across::Rcu: rcu_read_lock(c, here); break;
    case Across::Nothing:
      if (f.lookup_rcu) rcu_read_lock(c, here);
      else if (has_lookup_lock(f)) lock_checked(c, m.o_cb_lock[cb], here, std::source_location::current());
      break;
    case Across::Active:
    case Across::Irq: break;
  }
}
void drop_lookup_lock(Ctx& c, Module& m, std::size_t cb, engine::Label here) {
  const Framework& f = framework_of(m, cb);
  if (f.across != Across::Nothing) return;
  if (f.lookup_rcu) rcu_read_unlock(c, here);
  else if (has_lookup_lock(f)) c.ex.unlock(m.o_cb_lock[cb], here);
}
void unhold(Ctx& c, Module& m, std::size_t cb, engine::Label here) {
  switch (framework_of(m, cb).across) {
    case Across::Mutex: c.ex.unlock(m.o_cb_lock[cb], here); break;
    case Across::RwsemRead: up_read(c, m.cb_rwsem[cb], false, here); break;
    case Across::Rcu: rcu_read_unlock(c, here); break;
    case Across::Active:
    case Across::Irq:
      c.ex.step(m.o_cb[cb], Access::ReadModifyWrite, here);
      --m.cb_active[cb];
      c.task.actives[m.index] &= static_cast<std::uint8_t>(~(1u << cb));
      break;
    case Across::Nothing: break;
  }
}
}  // namespace

std::int64_t call_callback(Ctx& c, Module& m, std::size_t cb) {
  const Framework& f = framework_of(m, cb);
  const CallbackDef& d = m.def->callbacks[cb];
  const CallbackSteps& l = m.labels->cb_steps[cb];
  auto frame = c.ex.enter(l.caller);
  if (f.pin == Pin::Life && (c.task.life_pins[m.index] >> cb & 1u) != 0) return -EBUSY;  // one at a time per task
  hold(c, m, cb, l.lock);
  // The lookup: an active reference (kernfs_get_active, use_pde, the irq in progress) is taken
  // in the same atomic step that finds the registration still live.
  const bool active = f.across == Across::Active || f.across == Across::Irq;
  c.ex.step(m.o_cb[cb], active ? Access::ReadModifyWrite : Access::Read, l.lookup);
  // Undoes hold() on a failed lookup or pin.
  const auto give_up = [&] {
    if (f.across == Across::Nothing) drop_lookup_lock(c, m, cb, l.unlock);
    else unhold(c, m, cb, l.unlock);
  };
  if (!m.cb_registered[cb]) {
    if (active) c.ex.narrow_access(Access::Read);
    c.ex.note("not registered: {}", errno_text(f.absent));
    if (!active) give_up();
    return f.absent;
  }
  if (active) {
    ++m.cb_active[cb];
    c.task.actives[m.index] |= static_cast<std::uint8_t>(1u << cb);
  }
  Module* const owner = owner_of(m, cb);
  if (f.pin != Pin::None) {
    // ->owner is read from the ops structure in the module's data, under the registry lock.
    c.ex.step(m.o_data, Access::Read, l.read_ops);
    check_data(c, &m, l.read_ops.text);
    if (!try_module_get(c, owner)) {
      c.ex.note("try_module_get(owner) failed: the module is going");
      give_up();
      return f.absent;
    }
    drop_lookup_lock(c, m, cb, l.unlock);
  } else {
    // The caller now has the function pointer; without a pin or an exclusion the module can go
    // from here on, which is where the window begins.
    drop_lookup_lock(c, m, cb, l.unlock);
    if (f.across == Across::Nothing) {
      c.task.holds = &m;
      update_window(c);
    }
    if (f.ops_in_module_data) {
      c.ex.step(m.o_data, Access::Read, l.read_ops);
      check_data(c, &m, l.read_ops.text);
    }
  }
  const bool shielded = f.across != Across::Nothing;
  if (shielded) ++c.task.shield;
  if (f.across == Across::Irq) preempt_disable(c, "handle_irq_event: hard-irq context");
  c.ex.note("{}", c.task.pins[m.index] > 0 ? "calls into module text, pinned"
                  : shielded                ? "calls into module text; exit waits for it"
                                            : "calls into module text holding no pin; nothing waits for it");
  const BodyResult r = run_function(c, m, d.body, m.labels->callbacks[cb]);
  c.ex.local(0, r.ret);  // the caller's steps after the call carry its value
  if (f.across == Across::Irq) preempt_enable(c, "handle_irq_event: irq handled");
  if (shielded) --c.task.shield;
  c.task.holds = nullptr;
  update_window(c);
  if (f.across != Across::Nothing) unhold(c, m, cb, l.put);
  if (f.pin == Pin::Call || (f.pin == Pin::Life && r.ret < 0)) module_put(c, owner);
  else if (f.pin == Pin::Life) c.task.life_pins[m.index] |= static_cast<std::uint8_t>(1u << cb);
  return r.ret;
}

std::int64_t release_callback(Ctx& c, Module& m, std::size_t cb) {
  const CallbackDef& d = m.def->callbacks[cb];
  const CallbackSteps& l = m.labels->cb_steps[cb];
  if ((c.task.life_pins[m.index] >> cb & 1u) == 0) return -EBADF;
  auto frame = c.ex.enter(l.release_frame);
  const bool locked = framework_of(m, cb).across == Across::Mutex;  // blkdev_put holds open_mutex
  if (locked) lock_checked(c, m.o_cb_lock[cb], l.lock, std::source_location::current());
  std::int64_t ret = 0;
  if (d.has_release) {
    c.ex.step(m.o_data, Access::Read, l.read_ops);
    check_data(c, &m, l.read_ops.text);
    if (locked) ++c.task.shield;
    ret = run_function(c, m, d.release, m.labels->cb_releases[cb]).ret;
    if (locked) --c.task.shield;
    c.ex.local(0, ret);
  }
  if (locked) c.ex.unlock(m.o_cb_lock[cb], l.put);
  c.task.life_pins[m.index] &= static_cast<std::uint8_t>(~(1u << cb));
  module_put(c, owner_of(m, cb));
  return ret;
}

void register_callback(Ctx& c, Module& m, std::size_t cb) {
  const CallbackSteps& l = m.labels->cb_steps[cb];
  c.ex.step(m.o_cb[cb], Access::Write, l.reg);
  m.cb_registered[cb] = true;
}

void unregister_callback(Ctx& c, Module& m, std::size_t cb) {
  const Framework& f = framework_of(m, cb);
  const CallbackSteps& l = m.labels->cb_steps[cb];
  auto frame = c.ex.enter(l.unreg);
  const auto unlink = [&] {
    c.ex.step(m.o_cb[cb], Access::Write, l.unlink);
    if (!m.cb_registered[cb]) c.ex.note("not registered");
    m.cb_registered[cb] = false;
  };
  switch (f.across) {
    case Across::Mutex:
      lock_checked(c, m.o_cb_lock[cb], l.unreg_lock, std::source_location::current());
      unlink();
      c.ex.unlock(m.o_cb_lock[cb], l.unreg_unlock);
      break;
    case Across::RwsemRead:
      down_write(c, m.cb_rwsem[cb], false, l.unreg_lock);
      unlink();
      up_write(c, m.cb_rwsem[cb], false, l.unreg_unlock);
      break;
    case Across::Rcu:
      lock_checked(c, m.o_cb_lock[cb], l.unreg_lock, std::source_location::current());
      unlink();
      c.ex.unlock(m.o_cb_lock[cb], l.unreg_unlock);
      if (f.unregister_syncs) synchronize_rcu(c, l.wait);  // else free_module's synchronize_rcu waits
      break;
    case Across::Active:
    case Across::Irq: {
      // Deactivate (new lookups fail), then wait for the callers inside to leave.
      unlink();
      if (f.across == Across::Irq) might_sleep(c, "synchronize_irq");
      const Module& mm = m;
      c.ex.step_when(m.o_cb[cb], Access::Read, l.wait, [&mm, cb] { return mm.cb_active[cb] == 0; });
      break;
    }
    case Across::Nothing:
      if (has_lookup_lock(f)) lock_checked(c, m.o_cb_lock[cb], l.unreg_lock, std::source_location::current());
      unlink();
      if (has_lookup_lock(f)) c.ex.unlock(m.o_cb_lock[cb], l.unreg_unlock);
      if (f.unregister_syncs) synchronize_rcu(c, l.wait);
      break;
  }
}

void remove_self(Ctx& c, Module& m, std::size_t cb) {
  auto frame = c.ex.enter("kernfs_remove_self");
  const bool mine = (c.task.actives[m.index] >> cb & 1u) != 0;
  c.ex.step(m.o_cb[cb], Access::ReadModifyWrite, "kernfs_remove_self: kernfs_break_active_protection, deactivate");
  if (!m.cb_registered[cb]) c.ex.note("already removed");
  m.cb_registered[cb] = false;
  const int others = mine ? 1 : 0;
  const Module& mm = m;
  c.ex.step_when(m.o_cb[cb], Access::Read, "kernfs_remove_self: kernfs_drain waits for the other writers",
                 [&mm, cb, others] { return mm.cb_active[cb] == others; });
  c.ex.local(0, others);
}

// The labels of one callback's caller and unregistration, from its preset.
CallbackSteps callback_steps(const Framework& f, const std::string& module, const std::string& cb,
                             const std::function<engine::Label(std::string)>& label) {
  CallbackSteps s;
  const std::string who = fmt::format("{}.{}", module, cb);
  s.caller = label(fmt::format("{} ({} of {})", f.caller, f.ops, who));
  switch (f.across) {
    case Across::Mutex:
      s.lock = label(fmt::format("{}: mutex_lock(&{})", f.caller, f.lock));
      s.put = label(fmt::format("{}: mutex_unlock(&{})", f.caller, f.lock));
      s.unreg_lock = label(fmt::format("{}: mutex_lock(&{})", f.unregister_fn, f.lock));
      s.unreg_unlock = label(fmt::format("{}: mutex_unlock(&{})", f.unregister_fn, f.lock));
      break;
    case Across::RwsemRead:
      s.lock = label(fmt::format("{}: down_read(&{})", f.caller, f.lock));
      s.put = label(fmt::format("{}: up_read(&{})", f.caller, f.lock));
      s.unreg_lock = label(fmt::format("{}: down_write(&{})", f.unregister_fn, f.lock));
      s.unreg_unlock = label(fmt::format("{}: up_write(&{})", f.unregister_fn, f.lock));
      break;
    case Across::Rcu:
      s.lock = label(fmt::format("{}: rcu_read_lock()", f.caller));
      s.put = label(fmt::format("{}: rcu_read_unlock()", f.caller));
      s.unreg_lock = label(fmt::format("{}: lock {}", f.unregister_fn, f.lock));
      s.unreg_unlock = label(fmt::format("{}: unlock {}", f.unregister_fn, f.lock));
      s.wait = label(fmt::format("{}: synchronize_rcu()", f.unregister_fn));
      break;
    case Across::Active:
    case Across::Irq:
      s.put = label(fmt::format("{}: drop the active reference ({})", f.caller, f.lock));
      s.wait = label(fmt::format("{}: wait for the callers inside ({} drained)", f.unregister_fn, f.lock));
      break;
    case Across::Nothing:
      s.lock = label(f.lookup_rcu ? fmt::format("{}: rcu_read_lock() for the lookup", f.caller)
                                  : fmt::format("{}: lock {} for the lookup", f.caller, f.lock));
      s.unreg_lock = label(fmt::format("{}: lock {}", f.unregister_fn, f.lock));
      s.unreg_unlock = label(fmt::format("{}: unlock {}", f.unregister_fn, f.lock));
      s.wait = label(fmt::format("{}: synchronize_rcu()", f.unregister_fn));
      break;
  }
  s.lookup = label(f.across == Across::Active || f.across == Across::Irq
                       ? fmt::format("{}: find {} and take an active reference ({})", f.caller, who, f.lock)
                       : fmt::format("{}: find {}", f.caller, who));
  s.unlock = label(f.across == Across::Nothing && f.lookup_rcu ? fmt::format("{}: rcu_read_unlock()", f.caller)
                   : f.across == Across::Nothing && !f.lock.empty() ? fmt::format("{}: unlock {}", f.caller, f.lock)
                                                                     : fmt::format("{}: not found, undo", f.caller));
  s.read_ops = label(f.pin != Pin::None ? fmt::format("{}: read {}->owner (module data)", f.caller, f.ops)
                                        : fmt::format("{}: read {} (module data)", f.caller, f.ops));
  s.reg = label(fmt::format("{}({})", f.register_fn, who));
  s.unreg = label(fmt::format("{}({})", f.unregister_fn, who));
  s.unlink = label(fmt::format("{}: unlink {}", f.unregister_fn, who));
  s.release_frame = label(fmt::format("{} ({} release of {})", f.caller, f.release_field, who));
  return s;
}

}  // namespace rw::models
