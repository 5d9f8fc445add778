//! App role assignments: SingleAppRoleAssignment and the two Complex variants.

use crate::expr::compile::Call;
use crate::expr::eval::{Cx, R};
use crate::expr::value::{Object, Value};

pub(super) fn single<'a>(_: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    let mut roles = match std::mem::take(&mut args[0]) {
        Value::List(l) => l,
        Value::Null => return Ok(Value::Null),
        other => return Ok(other),
    };
    // Microsoft: "no guarantee which role is provisioned" when there are several, and the
    // field reports an error instead (COMPATIBILITY.md). entramap picks the first in ordinal
    // order, so the answer does not depend on the order assignments were read in; the
    // compiler warns about every SingleAppRoleAssignment call.
    roles.sort_unstable();
    if roles.is_empty() {
        Ok(Value::Null)
    } else {
        Ok(Value::Str(roles.swap_remove(0)))
    }
}

pub(super) fn complex<'a>(call: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    let roles = args[0].items(call.arg_span(0))?;
    if roles.is_empty() {
        return Ok(Value::Null);
    }
    Ok(Value::Objects(
        roles
            .iter()
            .map(|role| {
                let mut o = Object::new();
                o.insert("primary".into(), false.into());
                o.insert("type".into(), "WindowsAzureActiveDirectoryRole".into());
                o.insert("displayName".into(), role.as_ref().into());
                o.insert("value".into(), role.as_ref().into());
                o
            })
            .collect(),
    ))
}
