namespace SharpQuic.Runtime;

/// <summary>
/// A small, bounded, thread-safe pool of reusable objects — e.g. the
/// <see cref="ResettableValueTaskSource{T}"/>s behind connection-level calls that may overlap
/// (<c>OpenOutboundStreamAsync</c>, <c>SendDatagramAsync</c>), which, unlike a stream's single pending read,
/// cannot live in one field. A short lock around an array stack; no allocation except when the pool is
/// empty and <see cref="Rent"/> has to create an object.
/// </summary>
/// <remarks>The pool does not reset objects: whoever returns an object must have put it back in its idle
/// state (a value-task source after its <c>GetResult</c>). Objects returned to a full pool are dropped.</remarks>
internal sealed class ObjectPool<T>
    where T : class
{
    private readonly Lock _gate = new();
    private readonly Func<T> _factory;
    private readonly T?[] _items;
    private int _count;

    /// <summary>Creates an empty pool that keeps at most <paramref name="maxRetained"/> objects and creates new ones with <paramref name="factory"/>.</summary>
    public ObjectPool(Func<T> factory, int maxRetained)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRetained, 1);
        _factory = factory;
        _items = new T?[maxRetained];
    }

    /// <summary>Number of objects waiting in the pool (a snapshot).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Takes a pooled object, or creates one if the pool is empty.</summary>
    public T Rent()
    {
        lock (_gate)
        {
            if (_count > 0)
            {
                T item = _items[--_count]!;
                _items[_count] = null;
                return item;
            }
        }

        return _factory();
    }

    /// <summary>Gives <paramref name="item"/> back; returns false (and drops it) if the pool is full.</summary>
    public bool Return(T item)
    {
        ArgumentNullException.ThrowIfNull(item);
        lock (_gate)
        {
            if (_count == _items.Length)
            {
                return false;
            }

            _items[_count++] = item;
            return true;
        }
    }
}
