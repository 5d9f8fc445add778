//! A generated Microsoft Graph synchronization schema of any size, for the scale test and the
//! BENCHMARKS.md measurement (`cargo run --release --example big_schema -- N`).

use serde_json::{Value as Json, json};

/// A Graph `synchronizationSchema` whose users object mapping has `rows` attribute mappings
/// (direct extension attributes, expressions and constants in turn) and whose app object has
/// one target attribute per row: what Graph returns for an app with a very wide schema.
pub fn graph_schema(rows: usize) -> Json {
    let mut mappings = vec![json!({
        "targetAttributeName": "userName",
        "matchingPriority": 1,
        "flowBehavior": "FlowWhenChanged",
        "flowType": "Always",
        "defaultValue": null,
        "exportMissingReferences": false,
        "source": {"type": "Attribute", "name": "userPrincipalName",
                   "expression": "[userPrincipalName]", "parameters": []}
    })];
    let mut attributes = vec![attribute("userName", true)];
    for i in 1..rows {
        let target = format!("urn:ietf:params:scim:schemas:extension:wide:2.0:User:attr{i}");
        let source = match i % 3 {
            0 => {
                let name = format!("extension_0123456789abcdef0123456789abcdef_attr{i}");
                json!({"type": "Attribute", "name": name, "expression": format!("[{name}]"),
                       "parameters": []})
            }
            1 => json!({"type": "Function", "name": "Join",
                        "expression": format!("Join(\" \", [givenName], \"{i}\")"),
                        "parameters": []}),
            _ => json!({"type": "Constant", "name": format!("value {i}"),
                        "expression": format!("\"value {i}\""), "parameters": []}),
        };
        mappings.push(json!({
            "targetAttributeName": target,
            "matchingPriority": 0,
            "flowBehavior": "FlowWhenChanged",
            "flowType": "Always",
            "defaultValue": null,
            "exportMissingReferences": false,
            "source": source
        }));
        attributes.push(attribute(&target, false));
    }
    json!({
        "id": "wide",
        "version": "Date:2026-01-01T00:00:00Z",
        "synchronizationRules": [{
            "id": "wide-rule",
            "name": "USER_OUTBOUND",
            "editable": true,
            "priority": 1,
            "sourceDirectoryName": "Azure Active Directory",
            "targetDirectoryName": "customappsso",
            "metadata": [],
            "objectMappings": [{
                "name": "Provision Azure Active Directory Users",
                "enabled": true,
                "flowTypes": "Add, Update, Delete",
                "sourceObjectName": "User",
                "targetObjectName": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                "metadata": [],
                "scope": null,
                "attributeMappings": mappings
            }]
        }],
        "directories": [{
            "id": "customappsso",
            "name": "customappsso",
            "objects": [{
                "name": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                "metadata": [],
                "supportedApis": [],
                "attributes": attributes
            }]
        }]
    })
}

fn attribute(name: &str, required: bool) -> Json {
    json!({
        "name": name,
        "type": "String",
        "anchor": false,
        "caseExact": false,
        "multivalued": false,
        "mutability": "ReadWrite",
        "required": required,
        "metadata": [],
        "referencedObjects": []
    })
}
