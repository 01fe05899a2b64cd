// scan/cocci/facts.cocci: the facts `racewin scan` needs from C, one tab-separated line each
// (scan/facts.cpp reads them). It transforms nothing. Each rule matches one kind of fact; a
// python script prints it with its file and line.
//   site  FILE LINE FUNCTION CALL FORM        a self-reference: try_module_get(THIS_MODULE) ...
//   ops   FILE LINE TYPE INSTANCE FIELD VALUE  a designated initializer of a static structure (or a
//                                            field a sysfs __ATTR* initializer sets)
//   set   FILE LINE OBJECT FIELD VALUE FUNCTION  a name assigned to a field at run time (x->f = fn, x->ops = &fops)
//   call  FILE LINE CALLER CALLEE ARGS       a call made by a function, with its arguments
//   macro FILE LINE NAME ARGS                 a top-level macro use (module_init, DEVICE_ATTR ...)
//   func  FILE LINE FUNCTION                  a function definition (or a macro that wraps a call)

@initialize:python@
@@
import sys
def called(p):
    # The function named at a match: the identifier where the position column starts.
    line = open(p[0].file, errors="replace").read().splitlines()[int(p[0].line) - 1]
    return line[int(p[0].column):].split("(")[0].strip()
def out(*fields):
    print("\t".join(str(f).replace("\t", " ").replace("\n", " ") for f in fields))
    sys.stdout.flush()


@ignored@
position p;
@@
(
 try_module_get@p(THIS_MODULE);
|
 __module_get@p(THIS_MODULE);
|
 module_put@p(THIS_MODULE);
)

@script:python@
p << ignored.p;
@@
out("site", p[0].file, p[0].line, p[0].current_element, called(p), "ignored")

@any_site@
position p != ignored.p;
expression E;
@@
(
 try_module_get@p(THIS_MODULE)
|
 __module_get@p(THIS_MODULE)
|
 module_put@p(THIS_MODULE)
|
 module_put_and_kthread_exit@p(E)
|
 module_put_and_exit@p(E)
)

@script:python@
p << any_site.p;
@@
out("site", p[0].file, p[0].line, p[0].current_element, called(p), "used")


@ops@
identifier T, inst, fld;
expression V;
position p;
@@
struct T inst = { ..., .fld = V@p, ... };

@script:python@
T << ops.T;
inst << ops.inst;
fld << ops.fld;
V << ops.V;
p << ops.p;
@@
out("ops", p[0].file, p[0].line, T, inst, fld, V)

@ops_array@
identifier T, inst, fld;
expression V;
position p;
@@
struct T inst[] = { ..., { ..., .fld = V@p, ... }, ... };

@script:python@
T << ops_array.T;
inst << ops_array.inst;
fld << ops_array.fld;
V << ops_array.V;
p << ops_array.p;
@@
out("ops", p[0].file, p[0].line, T, inst, fld, V)

@ops_indexed@
identifier T, inst, fld;
expression I, V;
position p;
@@
struct T inst[...] = { ..., [I] = { ..., .fld = V@p, ... }, ... };

@script:python@
T << ops_indexed.T;
inst << ops_indexed.inst;
fld << ops_indexed.fld;
V << ops_indexed.V;
p << ops_indexed.p;
@@
out("ops", p[0].file, p[0].line, T, inst, fld, V)

// An attribute initialized by one of include/linux/sysfs.h's macros, printed as the fields its
// expansion designates: __ATTR(name, mode, show, store) sets .show and .store, __ATTR_RW(name)
// and __ATTR_WO(name) set .store = name_store, __ATTR_RO(name) .show = name_show.
@attr_macro@
identifier T, inst, M;
expression list args;
position p;
@@
struct T inst = M@p(args);

@script:python@
T << attr_macro.T;
inst << attr_macro.inst;
M << attr_macro.M;
args << attr_macro.args;
p << attr_macro.p;
@@
a = [x.strip() for x in str(args).split(",")]
if M == "__ATTR" and len(a) == 4:
    out("ops", p[0].file, p[0].line, T, inst, "show", a[2])
    out("ops", p[0].file, p[0].line, T, inst, "store", a[3])
elif M in ("__ATTR_RW", "__ATTR_WO") and len(a) == 1:
    out("ops", p[0].file, p[0].line, T, inst, "store", a[0] + "_store")
elif M == "__ATTR_RO" and len(a) == 1:
    out("ops", p[0].file, p[0].line, T, inst, "show", a[0] + "_show")

@set_field@
identifier fld, V;
expression E;
position p;
@@
(
 E->fld = V@p
|
 E.fld = V@p
|
 E->fld = &V@p
|
 E.fld = &V@p
)

@script:python@
fld << set_field.fld;
E << set_field.E;
V << set_field.V;
p << set_field.p;
@@
out("set", p[0].file, p[0].line, E, fld, V, p[0].current_element)


@calls@
identifier callee;
expression list args;
position p;
@@
 callee@p(args)

@script:python@
callee << calls.callee;
args << calls.args;
p << calls.p;
@@
out("call", p[0].file, p[0].line, p[0].current_element, callee, args)


// A function-like macro that is a call of a function (ipset's
// #define find_set_type_get(...) __find_set_type_get(..., false)): printed as a function
// of that name which calls it, so that a call of the macro reaches the function.
@wrapper_macro@
identifier M, F;
expression list args;
position p;
@@
#define M(...) F@p(args)

@script:python@
M << wrapper_macro.M;
F << wrapper_macro.F;
args << wrapper_macro.args;
p << wrapper_macro.p;
@@
out("func", p[0].file, p[0].line, M)
out("call", p[0].file, p[0].line, M, F, args)


@top_macro@
declarer name module_init, module_exit, late_initcall, subsys_initcall, device_initcall, module_platform_driver, module_pci_driver, module_usb_driver, module_i2c_driver, module_spi_driver, module_misc_device, module_driver, EXPORT_SYMBOL, EXPORT_SYMBOL_GPL, DEVICE_ATTR, DEVICE_ATTR_RW, DEVICE_ATTR_WO, DRIVER_ATTR_RW, DRIVER_ATTR_WO, CLASS_ATTR_RW, CLASS_ATTR_WO, BUS_ATTR_RW, BUS_ATTR_WO, DECLARE_WORK, DECLARE_DELAYED_WORK, DEFINE_TIMER, DECLARE_TASKLET, BLOCKING_NOTIFIER_HEAD, ATOMIC_NOTIFIER_HEAD;
expression list args;
position p;
@@
(
module_init@p(args);
|
module_exit@p(args);
|
late_initcall@p(args);
|
subsys_initcall@p(args);
|
device_initcall@p(args);
|
module_platform_driver@p(args);
|
module_pci_driver@p(args);
|
module_usb_driver@p(args);
|
module_i2c_driver@p(args);
|
module_spi_driver@p(args);
|
module_misc_device@p(args);
|
module_driver@p(args);
|
EXPORT_SYMBOL@p(args);
|
EXPORT_SYMBOL_GPL@p(args);
|
DEVICE_ATTR@p(args);
|
DEVICE_ATTR_RW@p(args);
|
DEVICE_ATTR_WO@p(args);
|
DRIVER_ATTR_RW@p(args);
|
DRIVER_ATTR_WO@p(args);
|
CLASS_ATTR_RW@p(args);
|
CLASS_ATTR_WO@p(args);
|
BUS_ATTR_RW@p(args);
|
BUS_ATTR_WO@p(args);
|
DECLARE_WORK@p(args);
|
DECLARE_DELAYED_WORK@p(args);
|
DEFINE_TIMER@p(args);
|
DECLARE_TASKLET@p(args);
|
BLOCKING_NOTIFIER_HEAD@p(args);
|
ATOMIC_NOTIFIER_HEAD@p(args);
)

@script:python@
args << top_macro.args;
p << top_macro.p;
@@
# The macro name is the text at the match (one rule matches them all).
out("macro", p[0].file, p[0].line, called(p), args)

@funcs@
identifier fn;
position p;
@@
fn@p(...) { ... }

@script:python@
fn << funcs.fn;
p << funcs.p;
@@
out("func", p[0].file, p[0].line, fn)
