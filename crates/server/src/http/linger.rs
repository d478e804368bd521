//! Lingering close: when the server answers before reading a request's whole body (a 413, a 401
//! on an upload) and then closes the connection, closing a socket that still has unread bytes
//! makes the kernel send a reset, and a reset makes the client's kernel throw away the answer
//! it had not read yet. A client that writes its whole body before reading (Python's urllib,
//! most simple HTTP clients) then sees a broken pipe instead of the 413 envelope.
//!
//! So, as nginx and Apache do, such a connection is closed in two steps: the write side first
//! (the answer and a FIN go out), then what the client still sends is read and thrown away until
//! it closes its side, bounded in bytes and in time, and only then is the socket closed.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use hyper::body::{Body, Frame, Incoming, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// At most this much of an unread body is read and thrown away before closing.
pub const LINGER_MAX_BYTES: u64 = 64 * 1024 * 1024;
/// At most this long is spent on it in all.
pub const LINGER_MAX_TIME: Duration = Duration::from_secs(10);
/// A client that sends nothing for this long is not waited for any more.
pub const LINGER_IDLE: Duration = Duration::from_secs(2);

/// Whether the connection's current request still has body bytes the server did not read. Set
/// when a request with a body arrives; cleared when its body is read to the end.
#[derive(Clone, Default)]
pub struct UnreadBody(Arc<AtomicBool>);

impl UnreadBody {
    /// Wrap a request's body so that reading it to the end clears the flag.
    pub fn track(&self, body: Incoming) -> TrackedBody {
        self.0.store(!body.is_end_stream(), Ordering::Relaxed);
        TrackedBody {
            inner: body,
            unread: self.clone(),
        }
    }

    fn get(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// A request body that tells its connection when it has been read to the end.
pub struct TrackedBody {
    inner: Incoming,
    unread: UnreadBody,
}

impl Body for TrackedBody {
    type Data = bytes::Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let frame = ready!(Pin::new(&mut self.inner).poll_frame(cx));
        if frame.is_none() || self.inner.is_end_stream() {
            self.unread.0.store(false, Ordering::Relaxed);
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

enum State {
    Open,
    Draining {
        deadline: Instant,
        idle: Pin<Box<Sleep>>,
        drained: u64,
    },
    Closed,
}

/// A connection's socket whose shutdown lingers when a request body was left unread.
pub struct LingeringIo<T> {
    inner: T,
    unread: UnreadBody,
    state: State,
}

impl<T> LingeringIo<T> {
    pub fn new(inner: T, unread: UnreadBody) -> Self {
        Self {
            inner,
            unread,
            state: State::Open,
        }
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> LingeringIo<T> {
    /// Read and drop what the client still sends until it closes, a bound is reached, or it
    /// goes quiet. Errors (a reset) end the draining: there is nothing left to protect.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let State::Draining {
            deadline,
            idle,
            drained,
        } = &mut self.state
        else {
            return Poll::Ready(());
        };
        let mut scratch = [0u8; 8192];
        loop {
            if *drained >= LINGER_MAX_BYTES || Instant::now() >= *deadline {
                return Poll::Ready(());
            }
            let mut buf = ReadBuf::new(&mut scratch);
            match Pin::new(&mut self.inner).poll_read(cx, &mut buf) {
                Poll::Ready(Ok(())) if buf.filled().is_empty() => return Poll::Ready(()),
                Poll::Ready(Ok(())) => {
                    *drained += buf.filled().len() as u64;
                    let next = (Instant::now() + LINGER_IDLE).min(*deadline);
                    idle.as_mut().reset(next);
                }
                Poll::Ready(Err(_)) => return Poll::Ready(()),
                Poll::Pending => {
                    return match idle.as_mut().poll(cx) {
                        Poll::Ready(()) => Poll::Ready(()),
                        Poll::Pending => Poll::Pending,
                    };
                }
            }
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for LingeringIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncWrite for LingeringIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        loop {
            match this.state {
                State::Open => {
                    let result = ready!(Pin::new(&mut this.inner).poll_shutdown(cx));
                    if result.is_err() || !this.unread.get() {
                        this.state = State::Closed;
                        return Poll::Ready(result);
                    }
                    let now = Instant::now();
                    this.state = State::Draining {
                        deadline: now + LINGER_MAX_TIME,
                        idle: Box::pin(tokio::time::sleep_until(now + LINGER_IDLE)),
                        drained: 0,
                    };
                }
                State::Draining { .. } => {
                    ready!(this.poll_drain(cx));
                    this.state = State::Closed;
                }
                State::Closed => return Poll::Ready(Ok(())),
            }
        }
    }
}
