//! Mapping files load with their locations, and expression errors point into the file.

use entramap::load;

#[test]
fn shipped_default_scim_mapping_loads_with_22_user_rows_and_3_group_rows() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings/scim-default.yaml");
    let loaded = load::read(&path).unwrap();
    assert_eq!(loaded.file.users.mappings.len(), 22);
    assert_eq!(loaded.file.groups.as_ref().unwrap().mappings.len(), 3);
}

#[test]
fn expression_scalar_offsets_point_at_the_expression_text_in_the_file() {
    let text = "app: x\nusers:\n  mappings:\n    - target: a\n      expression: Join(\" \", [a])\n    - target: b\n      expression: 'Mid([b], 1, 2)'\n";
    let loaded = load::parse("t.yaml", text).unwrap();
    for row in &loaded.file.users.mappings {
        let e = row.expression.as_ref().unwrap();
        let offset = load::embedded_offset(text, e).unwrap();
        assert_eq!(&text[offset..offset + e.value.len()], e.value);
    }
}
