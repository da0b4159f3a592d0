//! Every way an upload is refused is answered with its problem, and a client still sending its
//! body reads that answer rather than a reset connection: the server answers at once and then
//! drains the rest of the body before it closes. Each case is sent over a raw connection that
//! writes the body in pieces while it reads, so the test sees when the answer came and whether
//! the rest of the body could still be written.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use invite_sheets::synthetic::xml::one_long_string_everywhere;
use invite_sheets::synthetic::{Strings, workbook};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedWriteHalf;

use crate::support::{TestApp, on_each_backend_with};

const BOUNDARY: &str = "refused-upload-boundary";
const CHUNK: usize = 64 * 1024;

/// A multipart upload of `file` as the part `file`: its head (for `token`) and body.
fn multipart(address: &str, token: &str, file: &[u8]) -> (String, Vec<u8>) {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"users.xlsx\"\r\n\
         Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let head = format!(
        "POST /api/v1/batches HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    (head, body)
}

/// What a client saw of its refused upload.
struct Refusal {
    status: u16,
    headers: String,
    problem: Value,
    /// Body bytes written when the answer had been read.
    sent_when_answered: usize,
    body_len: usize,
    /// Whether the rest of the body, written after the answer (and `resume_after`), went out
    /// without the connection being reset.
    rest_written: Result<(), std::io::Error>,
}

/// Sends `head` and `body`, the body in 64 KiB pieces; after `pause_at` body bytes it stops
/// until the answer has been read, waits `resume_after`, and then writes the rest.
async fn send(
    app: &TestApp,
    head: String,
    body: Vec<u8>,
    pause_at: usize,
    resume_after: Duration,
) -> Refusal {
    let address = app.address.trim_start_matches("http://");
    let stream = TcpStream::connect(address).await.expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    let sent = Arc::new(AtomicUsize::new(0));
    let answered = Arc::new(tokio::sync::Notify::new());
    let body_len = body.len();
    let writing = {
        let (sent, answered) = (sent.clone(), answered.clone());
        tokio::spawn(async move {
            writer.write_all(head.as_bytes()).await?;
            let paused_at = pause_at.min(body.len());
            write_counted(&mut writer, &body[..paused_at], &sent).await?;
            if paused_at < body.len() {
                answered.notified().await;
                tokio::time::sleep(resume_after).await;
                write_counted(&mut writer, &body[paused_at..], &sent).await?;
            }
            writer.flush().await
        })
    };
    let answer = tokio::time::timeout(Duration::from_secs(60), read_answer(&mut reader))
        .await
        .expect("an answer within a minute");
    let sent_when_answered = sent.load(Ordering::SeqCst);
    answered.notify_one();
    let rest_written = tokio::time::timeout(Duration::from_secs(60), writing)
        .await
        .expect("the writer finishes")
        .expect("the writer joins");
    let (head, body) = answer;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a status line: {head}"));
    let problem = serde_json::from_slice(&body)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&body)));
    Refusal {
        status,
        headers: head.to_ascii_lowercase(),
        problem,
        sent_when_answered,
        body_len,
        rest_written,
    }
}

async fn write_counted(
    writer: &mut OwnedWriteHalf,
    bytes: &[u8],
    sent: &AtomicUsize,
) -> std::io::Result<()> {
    for piece in bytes.chunks(CHUNK) {
        writer.write_all(piece).await?;
        sent.fetch_add(piece.len(), Ordering::SeqCst);
    }
    Ok(())
}

/// The answer's head and its `Content-Length` body.
async fn read_answer(reader: &mut tokio::net::tcp::OwnedReadHalf) -> (String, Vec<u8>) {
    let mut received = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&received[..end]).into_owned();
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .unwrap_or_else(|| panic!("a Content-Length: {head}"));
            if received.len() >= end + 4 + length {
                return (head, received[end + 4..end + 4 + length].to_vec());
            }
        }
        let n = reader
            .read(&mut buffer)
            .await
            .unwrap_or_else(|e| panic!("the answer is read, not reset: {e}"));
        assert!(
            n > 0,
            "the connection closed before a whole answer: {}",
            String::from_utf8_lossy(&received)
        );
        received.extend_from_slice(&buffer[..n]);
    }
}

fn assert_refused(refusal: &Refusal, status: u16, type_suffix: &str, code: Option<&str>) {
    assert_eq!(refusal.status, status, "{}", refusal.problem);
    assert!(
        refusal
            .headers
            .contains("content-type: application/problem+json"),
        "{}",
        refusal.headers
    );
    assert!(
        refusal.problem["type"]
            .as_str()
            .is_some_and(|t| t.ends_with(type_suffix)),
        "{}",
        refusal.problem
    );
    assert!(
        refusal.problem["trace_id"].as_str().is_some(),
        "{}",
        refusal.problem
    );
    if let Some(code) = code {
        assert_eq!(
            refusal.problem["errors"][0]["code"], code,
            "{}",
            refusal.problem
        );
    }
    if let Err(e) = &refusal.rest_written {
        panic!(
            "the rest of the body could not be written after the answer ({} of {} bytes sent \
             when it came): {e}",
            refusal.sent_when_answered, refusal.body_len
        );
    }
}

/// A file over the 10 MB limit is refused once 10 MB have arrived: the client, with 2 MB still
/// to send and pausing longer than a connection used to be kept after an early answer, reads
/// the 413 and sends the rest.
#[tokio::test]
async fn a_file_over_the_limit_is_answered_413_while_it_is_still_being_sent() {
    on_each_backend_with(
        |_| {},
        |app| async move {
            let token = app.sign_in("jane@tech.gov.sg").await;
            let file = vec![b'x'; 12 * 1024 * 1024];
            let (head, body) = multipart(&app.address, &token, &file);
            let pause_at = 10 * 1024 * 1024 + 512 * 1024;
            let refusal = send(&app, head, body, pause_at, Duration::from_secs(2)).await;
            assert_refused(&refusal, 413, "/payload-too-large", Some("file_too_large"));
            assert!(
                refusal.sent_when_answered < refusal.body_len,
                "answered before the body was in"
            );
        },
    )
    .await;
}

/// An upload that holds the officer's only place in flight: its head is sent, its body never
/// finishes. It holds the place once a small upload is turned away; while a small upload held
/// the place it may have been turned away itself, and is then sent again.
async fn holding_the_only_place(app: &TestApp, token: &str) -> TcpStream {
    let address = app.address.trim_start_matches("http://").to_owned();
    let small = serde_json::json!({ "rows": [{ "user_type": "vendor", "email": "x" }] });
    for _ in 0..50 {
        let (head, _) = multipart(&app.address, token, &[0; 1024]);
        let mut holder = TcpStream::connect(&address).await.expect("connect");
        holder.write_all(head.as_bytes()).await.expect("write");
        holder.write_all(b"--").await.expect("write");
        for _ in 0..100 {
            let probe = app.post_json("/api/v1/batches", token, &small).await;
            if probe.status() == 429 {
                return holder;
            }
            // Staged: the holder was not admitted yet, or was turned away meanwhile.
            let mut byte = [0u8; 1];
            let answered = tokio::time::timeout(Duration::from_millis(100), holder.read(&mut byte));
            if answered.await.is_ok() {
                break;
            }
        }
    }
    panic!("no upload could hold the only place");
}

/// The in-flight cap answers 429 before the body is read; the client still sending reads it.
#[tokio::test]
async fn an_upload_over_the_in_flight_cap_is_answered_429_while_it_is_still_being_sent() {
    on_each_backend_with(
        |config| {
            config.uploads.max_in_flight = 1;
            config.uploads.max_open_drafts = 10_000;
            config.rate_limits.upload = 0;
        },
        |app| async move {
            let token = app.sign_in("jane@tech.gov.sg").await;
            let holder = holding_the_only_place(&app, &token).await;
            let (head, body) = multipart(&app.address, &token, &vec![b'x'; 2 * 1024 * 1024]);
            let refusal = send(&app, head, body, 1024 * 1024, Duration::from_secs(2)).await;
            assert_refused(&refusal, 429, "/too-many-requests", None);
            assert!(
                refusal.headers.contains("retry-after:"),
                "{}",
                refusal.headers
            );
            assert!(refusal.sent_when_answered < refusal.body_len);
            drop(holder);
        },
    )
    .await;
}

/// A body that stops arriving is answered 408 at the deadline, and the client that sends the
/// rest a while later reads that answer.
#[tokio::test]
async fn a_body_past_its_deadline_is_answered_408_while_it_is_still_being_sent() {
    on_each_backend_with(
        |config| config.http.request_timeout = Duration::from_secs(3),
        |app| async move {
            let token = app.sign_in("jane@tech.gov.sg").await;
            let (head, body) = multipart(&app.address, &token, &vec![b'x'; 512 * 1024]);
            let pause = Duration::from_millis(1_500);
            let refusal = send(&app, head, body, 100 * 1024, pause).await;
            assert_refused(&refusal, 408, "/request-timeout", None);
            assert!(refusal.sent_when_answered < refusal.body_len);
        },
    )
    .await;
}

/// The refusals found by reading the file (too much text, too many rows) come once the whole
/// body is in, with their problem.
#[tokio::test]
async fn files_refused_for_their_content_are_answered_with_their_problem() {
    let too_many_rows = workbook(50_001, Strings::Shared);
    let too_much_text = one_long_string_everywhere(50_000);
    on_each_backend_with(
        |config| config.rate_limits.upload = 0,
        |app| {
            let cases = [
                (too_many_rows.clone(), 422, "/validation", "too_many_rows"),
                (
                    too_much_text.clone(),
                    413,
                    "/payload-too-large",
                    "too_much_text",
                ),
            ];
            async move {
                let token = app.sign_in("jane@tech.gov.sg").await;
                for (file, status, type_suffix, code) in cases {
                    let (head, body) = multipart(&app.address, &token, &file);
                    let refusal = send(&app, head, body, usize::MAX, Duration::ZERO).await;
                    assert_refused(&refusal, status, type_suffix, Some(code));
                }
                let batches = app.get_value("/api/v1/batches", &token).await;
                assert_eq!(batches["items"], serde_json::json!([]), "nothing stored");
            }
        },
    )
    .await;
}
