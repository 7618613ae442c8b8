//! Round trips of the host-app sections whose JSON has a shape of its own: the gateway's optional
//! keys and the custom sections' free JSON.

use std::collections::BTreeMap;

use super::*;
use crate::slot::Slot;

#[test]
fn a_direct_gateway_has_only_its_mode_and_a_failed_probe_is_null() {
    let direct = GatewaySection {
        mode: "direct".into(),
        containers: Slot::NotConfigured,
        healthy_models: Slot::NotConfigured,
        unhealthy_models: Slot::NotConfigured,
    };
    let json = serde_json::to_string(&direct).unwrap();
    assert_eq!(json, r#"{"mode":"direct"}"#);
    assert_eq!(serde_json::from_str::<GatewaySection>(&json).unwrap(), direct);

    let failed = GatewaySection {
        mode: "proxy".into(),
        containers: Slot::Present(BTreeMap::new()),
        healthy_models: Slot::Missing,
        unhealthy_models: Slot::Missing,
    };
    let json = serde_json::to_string(&failed).unwrap();
    assert_eq!(
        json,
        r#"{"mode":"proxy","containers":{},"healthy_models":null,"unhealthy_models":null}"#
    );
    assert_eq!(serde_json::from_str::<GatewaySection>(&json).unwrap(), failed);
}

#[test]
fn custom_sections_and_maps_serialize_as_the_map_itself() {
    let custom = CustomSections {
        sections: BTreeMap::from([("index".into(), serde_json::json!({"documents": [1, 2]}))]),
    };
    let json = serde_json::to_string(&custom).unwrap();
    assert_eq!(json, r#"{"index":{"documents":[1,2]}}"#);
    assert_eq!(serde_json::from_str::<CustomSections>(&json).unwrap(), custom);

    let container = ContainerStatus {
        state: ContainerState::NotFound,
        health: None,
        started_at: None,
        restart_count: None,
    };
    let containers =
        ContainersSection { containers: BTreeMap::from([("ghost".into(), container)]) };
    let json = serde_json::to_string(&containers).unwrap();
    assert_eq!(
        json,
        r#"{"ghost":{"state":"not_found","health":null,"started_at":null,"restart_count":null}}"#
    );
    assert_eq!(serde_json::from_str::<ContainersSection>(&json).unwrap(), containers);
}
