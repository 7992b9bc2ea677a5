//! Length-prefixed frames: a 4-byte big-endian length, then one postcard-encoded
//! message. Writers batch every queued message into one write.

use serde::{de::DeserializeOwned, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

/// Frames above this size are refused as malformed.
pub const MAX_FRAME: usize = 16 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("connection error: {0}")]
    Io(#[from] std::io::Error),
    #[error("frame of {len} bytes exceeds the {max}-byte limit (not a tidepool peer?)")]
    TooLarge { len: usize, max: usize },
    #[error("malformed frame: {0}")]
    Decode(#[source] postcard::Error),
    #[error("cannot encode message: {0}")]
    Encode(#[source] postcard::Error),
}

/// Append one frame holding `msg` to `buf`.
pub fn encode_into<T: Serialize>(buf: &mut Vec<u8>, msg: &T) -> Result<(), FrameError> {
    let start = buf.len();
    buf.extend_from_slice(&[0; 4]);
    let mut out = std::mem::take(buf);
    out = postcard::to_extend(msg, out).map_err(FrameError::Encode)?;
    let len = (out.len() - start - 4) as u32;
    out[start..start + 4].copy_from_slice(&len.to_be_bytes());
    *buf = out;
    Ok(())
}

/// Write one message and flush.
pub async fn write_frame<W: AsyncWrite + Unpin, T: Serialize>(
    w: &mut W,
    msg: &T,
) -> Result<(), FrameError> {
    let mut buf = Vec::new();
    encode_into(&mut buf, msg)?;
    w.write_all(&buf).await?;
    w.flush().await?;
    Ok(())
}

/// Read one message; `None` on a clean end of stream between frames.
pub async fn read_frame<R: AsyncRead + Unpin, T: DeserializeOwned>(
    r: &mut R,
) -> Result<Option<T>, FrameError> {
    read_frame_within(r, MAX_FRAME).await
}

/// [`read_frame`] refusing frames above `max` bytes (before authentication only
/// handshake-sized frames are read). The payload buffer grows as bytes arrive, so a
/// peer announcing a large frame and sending little costs little.
pub async fn read_frame_within<R: AsyncRead + Unpin, T: DeserializeOwned>(
    r: &mut R,
    max: usize,
) -> Result<Option<T>, FrameError> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let len = u32::from_be_bytes(len) as usize;
    if len > max {
        return Err(FrameError::TooLarge { len, max });
    }
    let mut payload = Vec::with_capacity(len.min(64 * 1024));
    let read = (&mut *r).take(len as u64).read_to_end(&mut payload).await?;
    if read < len {
        return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof).into());
    }
    postcard::from_bytes(&payload)
        .map(Some)
        .map_err(FrameError::Decode)
}

/// Drain `rx` into `w`, batching whatever is queued into one write, until the channel
/// closes or the peer goes away.
pub async fn write_loop<W: AsyncWrite + Unpin, T: Serialize>(
    mut w: W,
    mut rx: mpsc::UnboundedReceiver<T>,
) -> Result<(), FrameError> {
    let mut buf = Vec::with_capacity(64 * 1024);
    while let Some(first) = rx.recv().await {
        buf.clear();
        encode_into(&mut buf, &first)?;
        while buf.len() < 1024 * 1024 {
            match rx.try_recv() {
                Ok(msg) => encode_into(&mut buf, &msg)?,
                Err(_) => break,
            }
        }
        w.write_all(&buf).await?;
        w.flush().await?;
    }
    let _ = w.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::FromAgent;

    #[tokio::test]
    async fn frames_round_trip_and_end_cleanly() {
        let (mut a, mut b) = tokio::io::duplex(1024);
        write_frame(&mut a, &FromAgent::Heartbeat).await.unwrap();
        drop(a);
        let msg: Option<FromAgent> = read_frame(&mut b).await.unwrap();
        assert_eq!(msg, Some(FromAgent::Heartbeat));
        assert!(read_frame::<_, FromAgent>(&mut b).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn garbage_is_rejected() {
        let (mut a, mut b) = tokio::io::duplex(1024);
        a.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        let err = read_frame::<_, FromAgent>(&mut b).await.unwrap_err();
        assert!(matches!(err, FrameError::TooLarge { .. }), "{err}");
        let (mut a, mut b) = tokio::io::duplex(1024);
        a.write_all(&[0, 0, 0, 2, 0xff, 0xff]).await.unwrap();
        let err = read_frame::<_, FromAgent>(&mut b).await.unwrap_err();
        assert!(matches!(err, FrameError::Decode(_)), "{err}");
    }
}
