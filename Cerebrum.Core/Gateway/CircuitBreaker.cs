namespace Cerebrum.Core.Gateway;

/// <summary>
/// Skips a node that keeps failing: after <c>threshold</c> consecutive failures the circuit opens for a while, then lets
/// one probe through; a successful probe closes it, a failed one reopens it for twice as long (up to a cap). Fed the
/// time by its caller, so it is tested without clocks. Thread-safe.
/// </summary>
public sealed class CircuitBreaker
{
    private readonly Lock _gate = new();
    private readonly int _threshold;
    private readonly TimeSpan _openTime;
    private readonly TimeSpan _maxOpenTime;
    private int _consecutiveFailures;
    private TimeSpan _currentOpenTime;
    private DateTimeOffset _openUntil;
    private bool _probing;
    private CircuitState _state = CircuitState.Closed;

    public CircuitBreaker(int threshold, TimeSpan openTime, TimeSpan maxOpenTime)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threshold);
        _threshold = threshold;
        _openTime = openTime;
        _maxOpenTime = maxOpenTime;
        _currentOpenTime = openTime;
    }

    public CircuitState State
    {
        get { lock (_gate) return _state; }
    }

    public int ConsecutiveFailures
    {
        get { lock (_gate) return _consecutiveFailures; }
    }

    /// <summary>Whether a request may go to the node now, without reserving anything.</summary>
    public bool IsAvailable(DateTimeOffset now)
    {
        lock (_gate)
        {
            return _state switch
            {
                CircuitState.Closed => true,
                CircuitState.Open => now >= _openUntil,
                _ => !_probing,
            };
        }
    }

    /// <summary>Claims the right to send a request: always in Closed; in Open after the open time as the single probe.</summary>
    public bool TryAcquire(DateTimeOffset now)
    {
        lock (_gate)
        {
            switch (_state)
            {
                case CircuitState.Closed:
                    return true;
                case CircuitState.Open when now >= _openUntil:
                case CircuitState.HalfOpen when !_probing:
                    _state = CircuitState.HalfOpen;
                    _probing = true;
                    return true;
                default:
                    return false;
            }
        }
    }

    public void RecordSuccess()
    {
        lock (_gate)
        {
            _consecutiveFailures = 0;
            _currentOpenTime = _openTime;
            _probing = false;
            _state = CircuitState.Closed;
        }
    }

    /// <summary>Ends a request whose outcome says nothing about the node's health (the caller cancelled, the input was bad).</summary>
    public void RecordNeutral()
    {
        lock (_gate)
        {
            _probing = false;
        }
    }

    public void RecordFailure(DateTimeOffset now)
    {
        lock (_gate)
        {
            _consecutiveFailures++;
            if (_state == CircuitState.HalfOpen)
            {
                _probing = false;
                _currentOpenTime = _currentOpenTime * 2 < _maxOpenTime ? _currentOpenTime * 2 : _maxOpenTime;
                Open(now);
            }
            else if (_state == CircuitState.Closed && _consecutiveFailures >= _threshold)
            {
                Open(now);
            }
        }
    }

    private void Open(DateTimeOffset now)
    {
        _state = CircuitState.Open;
        _openUntil = now + _currentOpenTime;
    }
}
