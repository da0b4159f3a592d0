//! The SPA bundle: the frontend crate compiled for `wasm32-unknown-unknown`, bound with
//! `wasm-bindgen-cli-support` (pinned to Cargo.lock's `wasm-bindgen`, so no CLI is installed),
//! copied with `frontend/public` into `frontend/dist`, and precompressed.

use std::path::Path;

use crate::{WASM_PROFILE, WASM_TARGET, cargo_command, run_checked, target_dir, workspace_root};

pub fn build_spa() -> Result<(), String> {
    let root = workspace_root();
    run_checked(&mut cargo_command(&[
        "build",
        "-p",
        "frontend",
        "--target",
        WASM_TARGET,
        "--profile",
        WASM_PROFILE,
    ]))?;
    let wasm = target_dir()
        .join(WASM_TARGET)
        .join(WASM_PROFILE)
        .join("frontend.wasm");
    let dist = root.join("frontend/dist");
    let pkg = dist.join("pkg");
    std::fs::create_dir_all(&pkg).map_err(|e| format!("cannot create {}: {e}", pkg.display()))?;
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .web(true)
        .map_err(|e| e.to_string())?
        .out_name("frontend")
        .typescript(false)
        // Function names are for debuggers; they are 40% of the file.
        .remove_name_section(true)
        .remove_producers_section(true)
        .generate(&pkg)
        .map_err(|e| format!("wasm-bindgen failed: {e}"))?;
    copy_dir(&root.join("frontend/public"), &dist)?;
    let size = std::fs::metadata(pkg.join("frontend_bg.wasm"))
        .map(|m| m.len())
        .unwrap_or(0);
    let (brotli, gzip) = precompress(&pkg)?;
    eprintln!(
        "xtask: SPA bundle in {} (wasm {} KB; brotli {} KB, gzip {} KB)",
        dist.display(),
        size / 1024,
        brotli / 1024,
        gzip / 1024
    );
    Ok(())
}

/// Writes `{file}.br` (brotli, quality 11) and `{file}.gz` (gzip, level 9) beside each wasm and
/// JS file of `pkg`, which the server sends to browsers that accept them. Returns the wasm's
/// two compressed sizes.
fn precompress(pkg: &Path) -> Result<(u64, u64), String> {
    use std::io::Write;
    let mut sizes = (0, 0);
    let entries =
        std::fs::read_dir(pkg).map_err(|e| format!("cannot read {}: {e}", pkg.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let extension = path.extension().and_then(|e| e.to_str());
        if !matches!(extension, Some("wasm" | "js")) {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut brotli = Vec::new();
        {
            let params = brotli::enc::BrotliEncoderParams {
                quality: 11,
                lgwin: 24,
                ..Default::default()
            };
            brotli::BrotliCompress(&mut bytes.as_slice(), &mut brotli, &params)
                .map_err(|e| format!("brotli: {e}"))?;
        }
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gzip.write_all(&bytes).map_err(|e| format!("gzip: {e}"))?;
        let gzip = gzip.finish().map_err(|e| format!("gzip: {e}"))?;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        for (suffix, data) in [("br", &brotli), ("gz", &gzip)] {
            let out = path.with_file_name(format!("{name}.{suffix}"));
            std::fs::write(&out, data).map_err(|e| format!("{}: {e}", out.display()))?;
        }
        if extension == Some("wasm") {
            sizes = (brotli.len() as u64, gzip.len() as u64);
        }
    }
    Ok(sizes)
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    let entries =
        std::fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let dest = to.join(entry.file_name());
        if path.is_dir() {
            std::fs::create_dir_all(&dest).map_err(|e| e.to_string())?;
            copy_dir(&path, &dest)?;
        } else {
            std::fs::copy(&path, &dest)
                .map_err(|e| format!("cannot copy {}: {e}", path.display()))?;
        }
    }
    Ok(())
}
