import Foundation

extension JSONEncoder.DateEncodingStrategy {
    /// Dates as `UTCTimestamp` text (what `.iso8601` writes, without Foundation's calendar).
    public static func utc(_ style: UTCTimestamp.Style = .seconds) -> Self {
        .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(UTCTimestamp.format(date, style))
        }
    }
}

extension JSONDecoder.DateDecodingStrategy {
    /// Dates from RFC 3339 text (`UTCTimestamp.parse`); anything else is a decoding error.
    public static var utc: Self {
        .custom { decoder in
            let c = try decoder.singleValueContainer()
            let text = try c.decode(String.self)
            guard let date = UTCTimestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "'\(text)' is not an RFC 3339 time")
            }
            return date
        }
    }
}
