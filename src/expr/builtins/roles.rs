//! App role assignments: SingleAppRoleAssignment and the two Complex variants.

use super::fail;
use crate::expr::compile::Call;
use crate::expr::error::ErrorKind;
use crate::expr::eval::{Cx, R};
use crate::expr::value::{Object, Value};

pub(super) fn single<'a>(call: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    let mut roles = match std::mem::take(&mut args[0]) {
        Value::List(l) => l,
        Value::Null => return Ok(Value::Null),
        other => return Ok(other),
    };
    match roles.len() {
        0 => Ok(Value::Null),
        1 => Ok(Value::Str(roles.swap_remove(0))),
        // The service's own words, typo included (MicrosoftDocs/azure-docs#42487).
        n => Err(fail(
            ErrorKind::MultipleAppRoles,
            call.arg_span(0),
            format!(
                "No more than one app role assignment was expected, but this many where found: {n}"
            ),
        )
        .with_help(
            "use AppRoleAssignmentsComplex([appRoleAssignments]) for users with several roles",
        )
        .into()),
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
