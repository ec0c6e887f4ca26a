namespace Skvare.CmsUser.Shared;

/// <summary>
/// Switches off <see cref="SocketsHttpHandler"/>'s own resend of a request, so that each try of the resilience pipeline puts
/// the request on the wire once. The handler sends a request without a body (a GET look-up, a POST with nothing to send)
/// again on a new connection, up to three more times within milliseconds, when the connection closes before a byte of the
/// answer arrives (dotnet/runtime: <c>HttpConnection</c> marks that failure retryable, <c>HttpConnectionPool</c> retries it
/// up to <c>MaxConnectionFailureRetries</c>). It does so whether the server read the request or not, so a server or proxy
/// that accepts every connection and closes it without a word got each try four times (16 look-ups for one email), and a
/// bodyless write (an email, a login link) could be carried out four times. Installed as the handler's
/// <see cref="SocketsHttpHandler.PlaintextStreamFilter"/>: on a connection whose request was written and whose answer has
/// not begun, the end of the stream is an <see cref="HttpIOException"/> (<see cref="HttpRequestError.ResponseEnded"/>),
/// which the handler does not resend. The retry then decides, with its back-off and its budget, as for any lost answer.
/// A request with a body was never resent by the handler, and an answer that ends after its first byte is not touched.
/// </summary>
internal static class UnansweredRequest
{
    /// <summary>The filter for <see cref="SocketsHttpHandler.PlaintextStreamFilter"/>.</summary>
    public static ValueTask<Stream> Filter(SocketsHttpPlaintextStreamFilterContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult<Stream>(new Connection(context.PlaintextStream));

    /// <summary>
    /// A connection's stream that remembers whether a request was written since the last byte read, and turns the end of
    /// the stream at that point into a failure the handler does not resend. Zero-byte reads (the handler's wait for data)
    /// pass through.
    /// </summary>
    internal sealed class Connection(Stream inner) : Stream
    {
        private volatile bool _awaitingAnswer;

        /// <summary>What the failure says (the handler wraps it in an <see cref="HttpRequestException"/>).</summary>
        internal const string Message = "The server closed the connection without answering the request (ResponseEnded); it is not sent again on another connection.";

        public override bool CanRead => inner.CanRead;

        public override bool CanWrite => inner.CanWrite;

        public override bool CanSeek => false;

        public override bool CanTimeout => inner.CanTimeout;

        public override int ReadTimeout { get => inner.ReadTimeout; set => inner.ReadTimeout = value; }

        public override int WriteTimeout { get => inner.WriteTimeout; set => inner.WriteTimeout = value; }

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer) => Checked(inner.Read(buffer), buffer.Length);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Checked(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false), buffer.Length);

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Wrote(buffer.Length);
            inner.Write(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Wrote(buffer.Length);
            return inner.WriteAsync(buffer, cancellationToken);
        }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }

        private void Wrote(int count)
        {
            if (count > 0)
            {
                _awaitingAnswer = true;
            }
        }

        private int Checked(int read, int asked)
        {
            if (asked == 0)
            {
                return read;
            }

            if (read > 0)
            {
                _awaitingAnswer = false;
                return read;
            }

            if (_awaitingAnswer)
            {
                _awaitingAnswer = false;
                throw new HttpIOException(HttpRequestError.ResponseEnded, Message);
            }

            return 0;
        }
    }
}
