//! `keyless emulator`: the local demo cloud, in the foreground until Ctrl-C.

use keyless_emulator::{EmulatorConfig, Scenario};

use crate::{CommandResult, args::EmulatorArgs, failure::Failure, output::Printer};

pub async fn run(args: EmulatorArgs, printer: &Printer) -> CommandResult {
    if !(0.0..=1.0).contains(&args.fault_rate) {
        return Err(Failure::bad_input(
            format!("--fault-rate {} is not a probability", args.fault_rate),
            "use a number from 0 to 1, e.g. --fault-rate 0.2",
        ));
    }
    let scenario = match &args.scenario {
        Some(path) => Scenario::from_file(path).map_err(keyless_emulator::EmulatorError::from)?,
        None => Scenario::demo(),
    };
    let config = EmulatorConfig {
        port: args.port,
        scenario,
        latency_ms: args.latency_ms,
        fault_rate: args.fault_rate,
        seed: args.seed,
        ..EmulatorConfig::default()
    };
    let emulator = keyless_emulator::start(config).await?;
    let base = emulator.base_url();
    printer.result(&serde_json::json!({ "url": base, "cloudProfile": emulator.cloud_profile() }), || {
        format!(
            "Keyless demo cloud listening on {base}\n\n  Try:  keyless whoami --cloud {base} --auth device-code\n        keyless orgs --cloud {base} --auth device-code\n\nEverything here is fake and lives in memory. Press Ctrl-C to stop.\n"
        )
    });
    emulator.wait().await;
    Ok(0)
}
