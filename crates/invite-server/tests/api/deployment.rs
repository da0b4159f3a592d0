//! The production topology's files (`docker-compose.yml`, `Dockerfile`, `deploy/haproxy.cfg`)
//! are checked natively, since no Docker engine runs here: the Compose Specification schema,
//! the topology's rules, `haproxy -c`, and that every setting they name is still read by the
//! server (`deploy/check_deployment.py`; `.ci/run` installs HAProxy and its Python modules).

#[test]
fn the_deployment_files_describe_a_valid_topology() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let output = std::process::Command::new("python3")
        .arg(root.join("deploy/check_deployment.py"))
        .arg("--require-haproxy")
        .current_dir(&root)
        .output()
        .expect("python3 runs");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{report}");
    assert!(report.contains("all"), "{report}");
}
