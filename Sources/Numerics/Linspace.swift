/// `numpy.linspace(start, stop, count)` value for value: i * step + start with
/// step = (stop - start) / (count - 1), the last point exactly `stop`. Grids and
/// sample points must equal the reference's to the last bit (a grid point on the
/// hull is inside or outside depending on it).
public func linspace(_ start: Double, _ stop: Double, _ count: Int) -> [Double] {
    guard count > 1 else { return count == 1 ? [start] : [] }
    let delta = stop - start, div = Double(count - 1), step = delta / div
    var a = (0..<count).map { step == 0 ? Double($0) / div * delta + start : Double($0) * step + start }
    a[count - 1] = stop
    return a
}
