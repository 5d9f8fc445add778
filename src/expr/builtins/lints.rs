//! Warnings about calls the service accepts but that do not do what their text suggests:
//! functions only Cloud Sync documents, and the forms of Microsoft's published typos.

use super::replace::{GROUP, OLD_VALUE, REGEX, REPLACEMENT, REPLACEMENT_ATTRIBUTE, TEMPLATE};
use crate::expr::compile::Call;
use crate::expr::error::{Span, Warning};

/// The warnings for one compiled call; `name_span` is where its name is.
pub(crate) fn call_warnings(call: &Call, name_span: Span) -> Vec<Warning> {
    let mut out = Vec::new();
    let name = call.builtin.name;
    if call.builtin.cloud_sync_only() {
        out.push(Warning {
            code: "cloud_sync_only",
            message: format!(
                "{name} is documented only in Cloud Sync's expression reference, not for app provisioning"
            ),
            span: name_span,
            help: Some(format!(
                "the engine parses {name} (Microsoft's Cloud Sync defaults use it), but an app provisioning job may refuse it; test the mapping with the job's \"Expression builder\" first"
            )),
        });
    }
    match name {
        "FormatDateTime" if call.args.len() == 3 => out.push(Warning {
            code: "format_datetime_three_arguments",
            message: "FormatDateTime with three arguments: Microsoft's reference has four slots (source, dateTimeStyles, inputFormat, outputFormat)".into(),
            span: call.span,
            help: Some(
                "leave the dateTimeStyles slot empty: FormatDateTime([x], , \"inputFormat\", \"outputFormat\") (the 3-argument example was fixed as wrong in MicrosoftDocs/entra-docs#69)".into(),
            ),
        }),
        "Replace" if !replace_form_documented(call) => out.push(Warning {
            code: "replace_undocumented_form",
            message: "Replace's arguments fit none of its documented forms, so some of them are ignored".into(),
            span: call.span,
            help: Some(
                "give exactly oldValue + replacementValue, oldValue + template, regexPattern + replacementValue, regexPattern + regexGroupName + replacementValue, or regexPattern + regexGroupName + replacementAttributeName, each in its own slot of Replace(source, oldValue, regexPattern, regexGroupName, replacementValue, replacementAttributeName, template)".into(),
            ),
        }),
        "SingleAppRoleAssignment" => out.push(Warning {
            code: "single_app_role_several",
            message: "SingleAppRoleAssignment gives no guarantee which role a user with several assignments gets".into(),
            span: call.span,
            help: Some(
                "entramap picks the first role in ordinal order; use AppRoleAssignmentsComplex([appRoleAssignments]) when users can hold several roles".into(),
            ),
        }),
        _ => {}
    }
    out
}

/// Whether the filled slots of a Replace call are exactly one of the five documented forms.
fn replace_form_documented(call: &Call) -> bool {
    let given: Vec<usize> = (1..call.args.len()).filter(|&i| call.has_arg(i)).collect();
    const FORMS: &[&[usize]] = &[
        &[OLD_VALUE, REPLACEMENT],
        &[OLD_VALUE, TEMPLATE],
        &[REGEX, REPLACEMENT],
        &[REGEX, GROUP, REPLACEMENT],
        &[REGEX, GROUP, REPLACEMENT_ATTRIBUTE],
    ];
    FORMS.contains(&given.as_slice())
}
