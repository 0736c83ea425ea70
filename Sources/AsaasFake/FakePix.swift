import Foundation

/// Pix QR codes that look like Asaas's: a base64 PNG and a BR Code (EMV MPM) "copia e cola" payload
/// with a valid CRC16. Nothing here is payable; it only has the right shape.
enum FakePix {
    /// A 1×1 white PNG. A real QR image would need an encoder; clients only pass this through.
    static let encodedImage =
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGP4DwABAQEAG7buVgAAAABJRU5ErkJggg=="

    static func payload(paymentId: String, valueCents: Int64) -> String {
        func field(_ id: String, _ value: String) -> String {
            id + (value.utf8.count < 10 ? "0" : "") + String(value.utf8.count) + value
        }
        let txid = String(paymentId.replacingOccurrences(of: "_", with: "").prefix(25))
        let account = field("00", "br.gov.bcb.pix") + field("25", "pix.asaas-fake.local/qr/v2/cobv/\(txid)")
        let amount = "\(valueCents / 100)." + (valueCents % 100 < 10 ? "0" : "") + "\(valueCents % 100)"
        var text = field("00", "01") + field("01", "12") + field("26", account) + field("52", "0000") + field("53", "986")
        text += field("54", amount) + field("58", "BR") + field("59", "ASAAS FAKE") + field("60", "SAO PAULO")
        text += field("62", field("05", "***")) + "6304"
        return text + crc16(text)
    }

    /// CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), as EMV QR codes use, in upper-case hex.
    static func crc16(_ text: String) -> String {
        var crc: UInt16 = 0xFFFF
        for byte in text.utf8 {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        }
        let hex = String(crc, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - hex.count) + hex
    }
}
