//! Bad connections (garbage bytes, wrong secret, forged proof) are dropped and logged
//! while the run goes on and completes with a legitimate agent.

mod pool_util;

use pool_util::*;
use std::io::Write;
use std::time::{Duration, Instant};
use tidepool_pool::frame::{read_frame, write_frame};
use tidepool_pool::protocol::{AgentInfo, FromAgent, ToAgent, PROTOCOL_VERSION};

fn wait_for_connect(dir: &RunDir) -> serde_json::Value {
    let path = dir.run_dir().join("connect.json");
    let start = Instant::now();
    loop {
        if let Ok(bytes) = std::fs::read(&path) {
            if let Ok(v) = serde_json::from_slice(&bytes) {
                return v;
            }
        }
        assert!(start.elapsed() < Duration::from_secs(20), "no connect.json");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Complete the challenge without knowing the secret: the coordinator must reject it.
fn forged_proof(address: &str) -> Option<ToAgent> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut s = tokio::net::TcpStream::connect(address).await.unwrap();
        let hello = FromAgent::Hello {
            version: PROTOCOL_VERSION,
            nonce: [7; 32],
        };
        write_frame(&mut s, &hello).await.unwrap();
        let challenge: Option<ToAgent> = read_frame(&mut s).await.unwrap();
        assert!(matches!(challenge, Some(ToAgent::Challenge { .. })));
        let info = AgentInfo {
            hostname: "intruder".into(),
            cores: 64,
            scratch: "/tmp".into(),
            pid: 1,
            relay: None,
        };
        write_frame(
            &mut s,
            &FromAgent::Auth {
                proof: [0; 32],
                info,
            },
        )
        .await
        .unwrap();
        read_frame::<_, ToAgent>(&mut s).await.ok().flatten()
    })
}

/// Say hello with a protocol version from the future: the coordinator must refuse.
fn wrong_version(address: &str) -> Option<ToAgent> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut s = tokio::net::TcpStream::connect(address).await.unwrap();
        let hello = FromAgent::Hello {
            version: PROTOCOL_VERSION + 1,
            nonce: [1; 32],
        };
        write_frame(&mut s, &hello).await.unwrap();
        read_frame::<_, ToAgent>(&mut s).await.ok().flatten()
    })
}

#[test]
fn bad_connections_are_dropped_and_the_run_completes() {
    let dir = RunDir::new(3000, 1, "");
    let config = std::fs::read_to_string(dir.config())
        .unwrap()
        .replace("mode = \"local\"", "mode = \"manual\"");
    std::fs::write(dir.config(), config).unwrap();
    let coordinator = dir.spawn(&[]);
    let connect = wait_for_connect(&dir);
    let address = connect["address"].as_str().unwrap().to_string();

    // Garbage that is not a frame.
    let mut raw = std::net::TcpStream::connect(&address).unwrap();
    raw.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    // A frame that does not decode.
    let mut raw2 = std::net::TcpStream::connect(&address).unwrap();
    raw2.write_all(&[0, 0, 0, 3, 0xff, 0xff, 0xff]).unwrap();
    // A forged proof.
    match forged_proof(&address) {
        Some(ToAgent::Reject { reason }) => assert!(reason.contains("secret"), "{reason}"),
        other => panic!("expected a rejection, got {other:?}"),
    }
    match wrong_version(&address) {
        Some(ToAgent::Reject { reason }) => {
            assert!(reason.contains("protocol version"), "{reason}")
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    // A real agent with the wrong secret refuses the coordinator and fails.
    let wrong = dir.tmp.path().join("wrong-secret");
    std::fs::write(&wrong, "00".repeat(32)).unwrap();
    let bad_agent = tidepool()
        .args([
            "agent",
            "--address",
            &address,
            "--secret-file",
            &path_str(&wrong),
        ])
        .output()
        .unwrap();
    assert!(!bad_agent.status.success(), "{}", show(&bad_agent));
    assert!(
        String::from_utf8_lossy(&bad_agent.stderr).contains("secret"),
        "{}",
        show(&bad_agent)
    );

    // The legitimate agent joins and the run finishes.
    let connect_file = dir.run_dir().join("connect.json");
    let mut agent = tidepool()
        .args(["agent", "--connect", &path_str(&connect_file), "--scratch"])
        .arg(dir.tmp.path().join("scratch"))
        .spawn()
        .unwrap();
    let out = wait_with_deadline(coordinator, Duration::from_secs(60));
    assert!(out.status.success(), "{}", show(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("tidepool agent --connect") || stdout.contains("agent --connect"),
        "{stdout}"
    );
    assert!(
        stdout.matches("rejected connection").count() >= 4,
        "{stdout}"
    );
    assert!(wait_gone(&[agent.id()], Duration::from_secs(10)));
    assert!(
        agent.wait().unwrap().success(),
        "the agent exits cleanly on shutdown"
    );
    let status = dir.status().unwrap();
    assert_eq!(status["state"], "finished");
    assert_eq!(status["trials_done"], 3000);
    drop((raw, raw2));
}
