"""The kinds of real text the classifier confused (issue 13), each as a short text written here
for the purpose (not copied from any source): reviews of one topic, mass organisations,
enterprises, national bodies and voter-meeting notices are not reports; a local organ's
period meeting is one, whatever its headline is about."""

from __future__ import annotations

import pytest

from pipelines.classify import classify

NOT_REPORTS = [
    # lead round: the meeting in the lead under a topical headline is a report only when it
    # is the text's occasion, held by a local organ: not an earlier meeting recalled ("Trước
    # đó, tại …"), nor one cited "mới đây", nor one held by a ministry, a military command, a
    # province's farmers' union (docs/labelling.md: a district's stays a report in the synthetic
    # set) or an enterprise, nor a
    # local organ's review of one topic.
    ("Huyện Kim Sơn vượt khó",
     "Trước đó, tại hội nghị sơ kết 6 tháng đầu năm 2024 của Huyện ủy Kim Sơn, Bí thư Huyện ủy "
     "đã yêu cầu đẩy nhanh giải ngân. Nay huyện đã giải ngân 70% kế hoạch vốn."),
    ("Thu ngân sách huyện đạt 60% dự toán",
     "Theo báo cáo tại hội nghị giao ban quý II của UBND huyện Kim Sơn mới đây, thu ngân sách "
     "đạt 60% dự toán."),
    ("Đẩy nhanh tiến độ giải ngân vốn",
     "Ngày 5/7, Bộ Kế hoạch và Đầu tư tổ chức hội nghị sơ kết công tác 6 tháng đầu năm 2024. Bộ "
     "trưởng yêu cầu đẩy nhanh giải ngân."),
    ("Tăng cường huấn luyện sẵn sàng chiến đấu",
     "Ngày 5/7, Bộ Chỉ huy Quân sự tỉnh Ninh Bình tổ chức hội nghị sơ kết công tác quân sự, "
     "quốc phòng 6 tháng đầu năm 2024."),
    ("Nông dân thi đua sản xuất giỏi",
     "Ngày 5/7, Hội Nông dân tỉnh Ninh Bình tổ chức hội nghị sơ kết công tác Hội 6 tháng đầu năm "
     "2024, triển khai nhiệm vụ 6 tháng cuối năm."),
    ("Doanh thu đạt 120 tỷ đồng",
     "Ngày 5/7, Công ty CP Xi măng Hướng Dương tổ chức hội nghị sơ kết 6 tháng đầu năm 2024."),
    ("Giảm tai nạn giao thông cả ba tiêu chí",
     "Ngày 5/7, UBND huyện Kim Sơn tổ chức hội nghị sơ kết công tác bảo đảm trật tự an toàn "
     "giao thông 6 tháng đầu năm 2024."),
    # rules-7: a plenary conference that only studies a resolution; a national committee's
    # numbered conference; mass organisations and an enterprise's party committee with a
    # non-standard period; an incident raised at a briefing; a vote of confidence; a
    # department's head answering at a council session.
    ("Tỉnh ủy Nam Định quán triệt nghị quyết",
     "Sáng 5/3, Ban Chấp hành Đảng bộ tỉnh Nam Định tổ chức hội nghị quán triệt nghị quyết "
     "Trung ương."),
    ("Hội nghị Ban Chấp hành Trung ương lần thứ 10",
     "Sáng 18/9, Hội nghị lần thứ 10 Ban Chấp hành Trung ương Đảng khóa XIII khai mạc tại Hà Nội."),
    ("Hội Nông dân tỉnh đánh giá kết quả 9 tháng",
     "Ngày 3/10, Hội Nông dân tỉnh Thái Bình tổ chức hội nghị đánh giá kết quả công tác 9 tháng, "
     "triển khai nhiệm vụ quý IV."),
    ("Đảng ủy Tổng công ty Điện lực tổng kết năm",
     "Ngày 10/1, Đảng ủy Tổng công ty Điện lực miền Bắc tổ chức hội nghị tổng kết công tác năm "
     "2023, triển khai nhiệm vụ năm 2024."),
    ("Đoàn Thanh niên phường tổng kết 10 tháng",
     "Ngày 3/11, Đoàn Thanh niên phường Tân Định tổ chức hội nghị đánh giá 10 tháng, triển khai "
     "nhiệm vụ 2 tháng cuối năm."),
    ("Cán bộ xã bị kỷ luật vì sai phạm đất đai",
     "Sáng 5/3, tại cuộc họp giao ban, Chủ tịch UBND huyện yêu cầu làm rõ vụ sai phạm đất đai ở "
     "xã An Bình."),
    # rules-10: what still speaks against a dated plenary conference: an incident raised there,
    # a press briefing about it.
    ("Làm rõ vụ phá rừng ở xã Tân Lập",
     "Ngày 12/8, tại Hội nghị lần thứ 16 Ban Chấp hành Đảng bộ tỉnh Lâm Đồng, Bí thư Tỉnh ủy đề "
     "nghị cơ quan điều tra làm rõ vụ phá rừng ở xã Tân Lập."),
    ("Thành phố hạn chế phân lô ven biển",
     "Tối 3/12, Thành ủy Quy Nhơn tổ chức họp báo thông tin về Hội nghị Thành ủy lần thứ 11 vừa "
     "bế mạc."),
    ("Quân ủy Trung ương tổng kết năm",
     "Ngày 20/12, Quân ủy Trung ương tổ chức hội nghị tổng kết công tác năm 2023, triển khai "
     "nhiệm vụ năm 2024."),
    ("Lấy phiếu tín nhiệm 30 chức danh",
     "Sáng 7/12, tại kỳ họp thứ 15 HĐND tỉnh Nam Định, các đại biểu tiến hành lấy phiếu tín "
     "nhiệm 30 chức danh do HĐND bầu."),
    ("Tỷ lệ học sinh giỏi của tỉnh tăng",
     "Chiều 10/7, tại kỳ họp thứ 9 HĐND tỉnh Hà Nam, Giám đốc Sở Giáo dục cho biết tỷ lệ học "
     "sinh giỏi năm 2023 tăng."),
    # rules-6: a term's first conference elects; a conference deploys a personnel decision.
    ("Ông B được bầu làm Bí thư Tỉnh ủy",
     "Hội nghị lần thứ nhất Ban Chấp hành Đảng bộ tỉnh Sơn La khóa XVI đã bầu Ban Thường vụ."),
    ("Ông C làm Phó bí thư Tỉnh ủy",
     "Sáng 8/2, Tỉnh ủy Yên Bái tổ chức hội nghị Ban Chấp hành Đảng bộ tỉnh khóa XVIII, triển khai "
     "quyết định của Bộ Chính trị về công tác cán bộ."),
    ("Ban Chỉ huy PCTT và TKCN tỉnh tổng kết công tác năm 2023",
     "Sáng 12/1, Ban Chỉ huy Phòng chống thiên tai và Tìm kiếm cứu nạn tỉnh Quảng Trị tổ chức "
     "hội nghị tổng kết công tác phòng chống thiên tai năm 2023, triển khai nhiệm vụ năm 2024."),
    ("Huyện Hải Hậu tổng kết công tác dân số năm 2023",
     "Ngày 10/1, UBND huyện Hải Hậu tổ chức hội nghị tổng kết công tác dân số - kế hoạch hóa "
     "gia đình năm 2023, triển khai nhiệm vụ năm 2024."),
    ("Tổng kết phong trào thi đua năm 2023",
     "Chiều 5/1, UBND tỉnh Nam Định tổ chức hội nghị tổng kết công tác thi đua, khen thưởng "
     "năm 2023 và phát động phong trào thi đua năm 2024."),
    ("Hội Nông dân tỉnh tổng kết công tác năm 2023",
     "Ngày 8/1, Hội Nông dân tỉnh Thái Bình tổ chức hội nghị tổng kết công tác Hội và phong "
     "trào nông dân năm 2023, triển khai nhiệm vụ năm 2024."),
    # rules-11: mass organisations at any level, not only the province's (docs/labelling.md).
    ("Hội Nông dân huyện Kbang tổng kết năm 2024",
     "Ngày 26-12, Hội Nông dân huyện Kbang tổ chức hội nghị tổng kết công tác Hội và phong trào "
     "nông dân năm 2024, triển khai nhiệm vụ năm 2025."),
    ("Huyện đoàn Mường La tổng kết công tác Đoàn năm 2024",
     "Ngày 15/12, Huyện đoàn Mường La tổ chức hội nghị tổng kết công tác Đoàn và phong trào "
     "thanh thiếu nhi năm 2024, triển khai nhiệm vụ năm 2025."),
    ("Tỉnh đoàn tổng kết công tác Đoàn năm 2023",
     "Sáng 20/12, Ban Thường vụ Tỉnh đoàn Hà Nam tổ chức hội nghị tổng kết công tác Đoàn và "
     "phong trào thanh thiếu nhi năm 2023, triển khai nhiệm vụ năm 2024."),
    ("Công ty Than Hà Lầm triển khai nhiệm vụ năm 2024",
     "Ngày 3/1, Công ty CP Than Hà Lầm tổ chức hội nghị tổng kết công tác năm 2023, triển khai "
     "nhiệm vụ sản xuất kinh doanh năm 2024."),
    ("Thông báo lịch tiếp xúc cử tri",
     "UBND huyện thông báo lịch tiếp xúc cử tri của đại biểu HĐND tỉnh trước kỳ họp cuối năm "
     "2023 tại các xã."),
    ("Chính phủ họp phiên thường kỳ tháng 11",
     "Sáng 2/12, Thủ tướng chủ trì phiên họp Chính phủ thường kỳ tháng 11 năm 2023, đánh giá "
     "tình hình kinh tế - xã hội tháng 11 và 11 tháng, triển khai nhiệm vụ tháng 12."),
    ("Bộ Nội vụ tổng kết công tác năm 2023",
     "Ngày 5/1, Bộ Nội vụ tổ chức hội nghị tổng kết công tác năm 2023, triển khai nhiệm vụ "
     "năm 2024."),
    # rules-5: a question put by one delegate at a party committee's plenary conference;
    # "giao ban cán sự đảng" is "assigns the party affairs board", not a briefing.
    ("Vì sao chưa bổ nhiệm được hiệu trưởng?",
     "Câu hỏi này được TS Nguyễn Văn A đặt ra tại phiên thảo luận Hội nghị lần thứ 9 Ban Chấp "
     "hành Đảng bộ tỉnh Nam Định sáng 6/7."),
    ("Bí thư tỉnh chấn chỉnh phát ngôn của cán bộ",
     "Để chấn chỉnh, Bí thư Tỉnh ủy giao ban cán sự đảng UBND tỉnh phê bình một số lãnh đạo sở, "
     "ngành và các huyện đã phát ngôn thiếu chuẩn mực."),
    ("Ban Tuyên giáo Trung ương tổng kết năm 2023",
     "Ngày 4/1, Ban Tuyên giáo Trung ương tổ chức hội nghị tổng kết công tác tuyên giáo năm "
     "2023, triển khai nhiệm vụ năm 2024."),
    ("Huyện Kim Sơn sơ kết công tác tìm kiếm cứu nạn",
     "Chiều 3/7, UBND huyện Kim Sơn sơ kết 6 tháng công tác phòng chống thiên tai, tìm kiếm "
     "cứu nạn, triển khai nhiệm vụ 6 tháng cuối năm."),
    ("Đại biểu HĐND tỉnh góp ý về hạn chế xe cá nhân",
     "Chiều 5/7, tại kỳ họp thứ 8 HĐND tỉnh, đại biểu thảo luận về tình hình kinh tế - xã hội "
     "6 tháng đầu năm 2023 và đề xuất hạn chế xe cá nhân."),
    ("Huyện ủy Giao Thủy triển khai công tác chuẩn bị đại hội",
     "Ngày 3/1, Huyện ủy Giao Thủy tổ chức hội nghị triển khai kế hoạch chuẩn bị đại hội đảng "
     "bộ các cấp nhiệm kỳ 2025-2030."),
    ("Cần quyết liệt hơn với rác thải ở huyện Kim Bảng",
     "Ngày 5/1, tại hội nghị tổng kết nhiệm vụ năm 2023, triển khai nhiệm vụ năm 2024 của tỉnh "
     "Hà Nam, ông Nguyễn Văn A, Chủ tịch UBND huyện Kim Bảng cho biết rác thải tồn đọng nhiều."),
    # rules-12: an organ's office or a council's own committee holds its own review.
    ("Văn phòng UBND tỉnh tổng kết công tác năm 2024",
     "Ngày 25/12/2024, Văn phòng UBND tỉnh Lào Cai tổ chức hội nghị tổng kết công tác năm 2024, "
     "triển khai nhiệm vụ năm 2025."),
    ("Văn phòng Huyện ủy sơ kết 6 tháng đầu năm",
     "Chiều 5/7/2024, Văn phòng Huyện ủy Kim Sơn tổ chức hội nghị sơ kết 6 tháng đầu năm, triển "
     "khai nhiệm vụ 6 tháng cuối năm."),
    ("Ban Kinh tế - Ngân sách HĐND tỉnh tổng kết năm 2024",
     "Ngày 25/12/2024, Ban Kinh tế - Ngân sách HĐND tỉnh Lào Cai tổ chức hội nghị tổng kết công "
     "tác năm 2024, triển khai nhiệm vụ năm 2025."),
]
REPORTS = [
    # lead round: a topical headline (a figure, a task, a statement), the lead stating a local
    # organ's periodic meeting as the occasion, before and after the 2025 reform; a text that
    # is only the closing speech.
    # rules-11: a headline on preparing the congress is no congress.
    ("Chuẩn bị chu đáo cho Đại hội Đảng bộ huyện lần thứ XXVI",
     "Chiều 5/1/2025, Huyện ủy Mường La tổ chức hội nghị tổng kết công tác năm 2024, triển khai "
     "nhiệm vụ năm 2025. Bí thư Huyện ủy nhấn mạnh công tác chuẩn bị đại hội đảng bộ các cấp."),
    ("Bài phát biểu bế mạc Hội nghị Ban Chấp hành Đảng bộ tỉnh của đồng chí Bí thư Tỉnh ủy",
     "Thưa các đồng chí, sau hai ngày làm việc khẩn trương, Hội nghị lần thứ 12 Ban Chấp hành "
     "Đảng bộ tỉnh Nam Định khóa XX đã hoàn thành toàn bộ nội dung đề ra, đánh giá kết quả 6 "
     "tháng đầu năm và bàn nhiệm vụ 6 tháng cuối năm 2024."),
    ("Xã Nghĩa Hưng phấn đấu thu ngân sách vượt 20%",
     "Sáng 8/10/2025, Đảng ủy xã Nghĩa Hưng tổ chức Hội nghị Ban Chấp hành Đảng bộ xã đánh giá "
     "kết quả quý III, triển khai nhiệm vụ quý IV năm 2025."),
    ("Phải hoàn thành giải phóng mặt bằng trước 30/6",
     "Chiều 5/6, UBND xã Hải Quang tổ chức phiên họp thường kỳ tháng 5, đánh giá kết quả thực "
     "hiện nhiệm vụ tháng 5 và triển khai nhiệm vụ tháng 6 năm 2025."),
    ("Chủ tịch UBND huyện: phải hoàn thành giải phóng mặt bằng trước 30/6",
     "Ngày 5/6, UBND huyện Thanh Oai tổ chức hội nghị giao ban tháng 5. Chủ tịch UBND huyện yêu "
     "cầu các xã đẩy nhanh giải phóng mặt bằng."),
    ("Thu ngân sách đạt 60% dự toán",
     "Ngày 5/7, Huyện ủy Kim Sơn tổ chức hội nghị sơ kết công tác 6 tháng đầu năm 2024. Thu ngân "
     "sách trên địa bàn đạt 60% dự toán."),
    # rules-7: a plenary conference named without its number, or "lần hai" without "thứ",
    # under a personnel or congress-documents headline, or closed by its secretary; its own
    # decision on discipline under a headline about it; a year-deploying conference named by
    # its plan; a department's plan at a session the people's committee chairs ("do UBND …
    # chủ trì"); non-standard periods; a ward's party committee after the 2025 reform.
    ("Thành ủy Hải Phòng bàn về công tác cán bộ",
     "Chiều 10/3, Thành ủy Hải Phòng tổ chức Hội nghị Ban Chấp hành Đảng bộ thành phố, thảo "
     "luận, cho ý kiến về công tác cán bộ và các nhiệm vụ trọng tâm quý II."),
    ("Hội nghị Ban Chấp hành Đảng bộ huyện Hải Hậu",
     "Ngày 15/7, Hội nghị Ban Chấp hành Đảng bộ huyện Hải Hậu cho ý kiến vào dự thảo văn kiện "
     "đại hội đảng bộ huyện."),
    ("Thành ủy Huế họp hội nghị lần hai",
     "Hội nghị Thành ủy Huế thảo luận nhiều nội dung quan trọng về phát triển thành phố năm 2026."),
    ("Bí thư Tỉnh ủy: Các cấp ủy phải quyết liệt hơn",
     "Kết luận hội nghị Ban Chấp hành Đảng bộ tỉnh chiều 20/7, Bí thư Tỉnh ủy Sơn La yêu cầu "
     "các cấp ủy tập trung thực hiện nhiệm vụ 6 tháng cuối năm."),
    ("Kỷ luật 3 cán bộ sai phạm trong quản lý đất đai",
     "Chiều 12/4, Hội nghị lần thứ 14 Ban Chấp hành Đảng bộ tỉnh Thanh Hóa quyết định thi hành "
     "kỷ luật ba cán bộ vi phạm trong quản lý đất đai."),
    ("Hội nghị triển khai kế hoạch phát triển kinh tế - xã hội năm 2024 của thành phố Cần Thơ",
     "Sáng 5/1, tại hội nghị triển khai kế hoạch phát triển kinh tế - xã hội và dự toán ngân "
     "sách năm 2024 của thành phố Cần Thơ, Chủ tịch UBND thành phố yêu cầu các sở tập trung "
     "giải ngân."),
    ("Tỉnh sẽ sắp xếp lại 300 trường học",
     "Thông tin trên do Giám đốc Sở Giáo dục nêu tại phiên họp đánh giá tình hình kinh tế - xã "
     "hội 9 tháng do UBND tỉnh Nam Định chủ trì."),
    ("UBND tỉnh Hà Nam đánh giá kinh tế - xã hội 9 tháng",
     "Chiều 2/10, UBND tỉnh Hà Nam họp phiên thường kỳ, đánh giá tình hình kinh tế - xã hội 9 "
     "tháng năm 2024, triển khai nhiệm vụ quý IV."),
    ("Thu ngân sách 10 tháng của huyện đạt 95% dự toán",
     "Sáng 5/11, tại hội nghị giao ban 10 tháng, Thường trực Huyện ủy Hải Hậu đánh giá thu ngân "
     "sách 10 tháng đạt 95% dự toán."),
    ("Phường Bến Thành đánh giá kết quả 2 tháng cuối năm",
     "Ngày 5/1/2026, Đảng ủy phường Bến Thành, TP Hồ Chí Minh tổ chức hội nghị đánh giá kết quả "
     "2 tháng cuối năm 2025 và triển khai nhiệm vụ năm 2026."),
    # A word-segmented corpus writes the organ in lower case; a briefing with the localities.
    ("Các cấp phải nhận trách nhiệm về cháy nổ",
     "Bí thư thành uỷ Hải Phòng nhắc nhở lãnh đạo các quận , huyện tại buổi giao ban trực "
     "tuyến với các đại diện địa bàn quý III - 2018 diễn ra sáng nay 10-10 ."),
    ("Vượt thu ngân sách, lãnh đạo thành phố cảm ơn doanh nghiệp",
     "Phát biểu tại hội nghị báo cáo kết quả thu - chi ngân sách năm 2023 chiều ngày 4-1, Chủ "
     "tịch UBND TP Đà Nẵng cảm ơn doanh nghiệp."),
    # rules-6: a local party committee's plenary conference named organ first or with its
    # number in words, under a headline about its business (a speaker's quote included).
    ("Bí thư tỉnh: Cán bộ phải nói đi đôi với làm",
     "Chiều 20-11, Ban Chấp hành Đảng bộ tỉnh Nam Định khóa XX tổ chức Hội nghị lần thứ ba, bàn "
     "các nhiệm vụ trọng tâm năm 2025."),
    ("Tỉnh sẽ dừng thu phí chợ từ năm sau",
     "Ngày 5-12, Thành ủy Đà Nẵng tổ chức hội nghị lần thứ 12 dưới sự chủ trì của Bí thư "
     "Thành ủy."),
    ("Ông A: 'Thành phố cần 20 năm mới đạt chuẩn đô thị loại I'",
     "Sáng 18/8, phát biểu khai mạc Hội nghị lần thứ 11 - Ban Chấp hành Đảng bộ tỉnh Long An, "
     "Bí thư Tỉnh ủy A nhấn mạnh các nhiệm vụ 6 tháng cuối năm."),
    ("Huyện ủy Kim Sơn sơ kết 6 tháng đầu năm",
     "Chiều 3/7, Huyện ủy Kim Sơn tổ chức hội nghị sơ kết công tác 6 tháng đầu năm, triển khai "
     "nhiệm vụ 6 tháng cuối năm 2023."),
    ("Bố trí nhân sự cho các xã sau sắp xếp",
     "Ngày 5/10, Ban Chấp hành Đảng bộ huyện Ý Yên tổ chức hội nghị lần thứ 20 đánh giá kết quả "
     "thực hiện nhiệm vụ 9 tháng, triển khai nhiệm vụ 3 tháng cuối năm 2023."),
    # A headline about something else, the meeting in the lead (issue 13's misses).
    ("Phát biểu bế mạc hội nghị, Bí thư Huyện ủy yêu cầu tập trung thu ngân sách",
     "Chiều 20/7, Hội nghị lần thứ 15 Ban Chấp hành Đảng bộ huyện Yên Thế bế mạc. Phát biểu bế "
     "mạc, Bí thư Huyện ủy yêu cầu các xã tập trung thu ngân sách 6 tháng cuối năm."),
    ("Chuẩn bị đại hội đảng bộ các xã",
     "Ngày 3/1, Huyện ủy Giao Thủy tổ chức hội nghị tổng kết công tác năm 2024, triển khai "
     "nhiệm vụ năm 2025, trong đó tập trung chuẩn bị đại hội đảng bộ các xã."),
    ("Thu ngân sách Hải Hậu đạt 120% dự toán",
     "Sáng 15/12, UBND huyện Hải Hậu tổ chức hội nghị tổng kết năm 2023, triển khai nhiệm vụ "
     "năm 2024. Năm 2023, thu ngân sách đạt 120% dự toán."),
    ("Đảng ủy phường Tam Bình sơ kết quý III",
     "Sáng 5/10/2025, Đảng ủy phường Tam Bình tổ chức hội nghị sơ kết công tác quý III, triển "
     "khai nhiệm vụ quý IV năm 2025."),
    ("UBND huyện giao ban 10 tháng",
     "Ngày 3/11, UBND huyện Giao Thủy họp giao ban đánh giá tình hình kinh tế - xã hội 10 tháng, "
     "triển khai nhiệm vụ 2 tháng cuối năm 2023."),
    ("Thu ngân sách huyện vượt dự toán",
     "Sáng 28/12, HĐND huyện Xuân Trường khai mạc kỳ họp thứ 12, đánh giá kết quả thực hiện "
     "nhiệm vụ kinh tế - xã hội năm 2023, quyết định nhiệm vụ năm 2024."),
    # rules-10: a numbered plenary conference stated with its day, under a headline on one of
    # its agenda's topics (a dialogue to come, a sector's task): the conference's business.
    ("Tỉnh sẽ đối thoại với người dân vùng dự án cảng",
     "Sáng 9/7, phát biểu tại Hội nghị lần thứ 18 Ban Chấp hành Đảng bộ tỉnh Bình Định khóa XX, "
     "Bí thư Tỉnh ủy cho biết tỉnh sẽ đối thoại với người dân vùng dự án cảng trước khi phê "
     "duyệt phương án bồi thường."),
    ("Ông B: 'Mỗi tháng một lễ hội để giữ chân du khách'",
     "Theo Bí thư Tỉnh ủy Quảng Bình, tỉnh cần thêm sản phẩm về đêm. Phát biểu bế mạc Hội nghị "
     "lần thứ 9 Ban Chấp hành Đảng bộ tỉnh Quảng Bình ngày 2/12, ông B đề nghị ngành du lịch "
     "mỗi tháng tổ chức một lễ hội."),
    # rules-5: a numbered plenary conference of a city's party committee, under a headline
    # on one of its targets; a briefing of the city's leaders with its districts, the list of
    # who meets whom running on with commas.
    ("Bí thư Thành ủy: Nam Định phải hoàn thành chỉ tiêu thu ngân sách",
     "Phát biểu bế mạc Hội nghị lần thứ 14 Ban Chấp hành Đảng bộ tỉnh Nam Định khóa XX chiều "
     "10/7, Bí thư Tỉnh ủy yêu cầu các huyện tập trung hoàn thành chỉ tiêu thu ngân sách."),
    ("Chủ tịch tỉnh yêu cầu đẩy nhanh giải ngân vốn đầu tư công",
     "Tại hội nghị giao ban trực tuyến quý II của Thường trực Tỉnh ủy, HĐND, UBND tỉnh Hà Nam "
     "với lãnh đạo các huyện, thị xã sáng 5/7, Chủ tịch UBND tỉnh yêu cầu đẩy nhanh giải ngân."),
    # rules-12: the office's head presenting the report at the committee's own session.
    ("UBND tỉnh Lào Cai họp phiên thường kỳ tháng 9",
     "Sáng 3/10/2025, UBND tỉnh Lào Cai họp phiên thường kỳ tháng 9. Chánh Văn phòng UBND tỉnh "
     "trình bày báo cáo tình hình kinh tế - xã hội 9 tháng, triển khai nhiệm vụ quý IV."),
]


@pytest.mark.parametrize(("title", "text"), NOT_REPORTS, ids=[t for t, _ in NOT_REPORTS])
def test_not_a_report(title: str, text: str) -> None:
    result = classify(title, text, "2024-01-15")
    assert not result.is_meeting_report, result.cues


@pytest.mark.parametrize(("title", "text"), REPORTS, ids=[t for t, _ in REPORTS])
def test_a_report(title: str, text: str) -> None:
    result = classify(title, text, "2024-01-15")
    assert result.is_meeting_report, result.cues


# The meeting first, its organ after "của", under a topical headline, with no other cue: rules-7
# scores it 3.0 of 3.5. The lead-opening rule that finds it changed no real text in any split
# (README, "Fifth round on real text"), so it is not shipped; this marks the known miss.
@pytest.mark.xfail(strict=True, reason="the organ named after the meeting: not yet a report")
def test_the_meeting_first_then_its_organ() -> None:
    result = classify("Đẩy nhanh tiến độ giải ngân vốn đầu tư công",
                      "Tại hội nghị giao ban quý II của UBND huyện Yên Mô chiều 3/7, Chủ tịch "
                      "UBND huyện đề nghị các phòng, ban tập trung giải ngân vốn đầu tư công.",
                      "2024-07-04")
    assert result.is_meeting_report, result.cues


# Non-standard periods, with no publication date: the part of the year reviewed takes the
# year of the part deployed, and the last months of a year are what a next-year meeting reviews.
PERIODS = [
    # rules-11: "6 tháng" alone is the first half, "3 tháng" the first quarter.
    ("Quận ủy Ba Đình sơ kết 6 tháng",
     "Chiều 10/7, Quận ủy Ba Đình tổ chức hội nghị sơ kết 6 tháng, triển khai nhiệm vụ những "
     "tháng cuối năm 2024.", "2024-H1", "2024-H2"),
    ("UBND huyện đánh giá kết quả 3 tháng",
     "Ngày 2/4, UBND huyện Mường La tổ chức hội nghị đánh giá kết quả 3 tháng, triển khai nhiệm "
     "vụ quý II năm 2024.", "2024-Q1", "2024-Q2"),
    ("UBND huyện giao ban 10 tháng",
     "Ngày 3/11, UBND huyện Giao Thủy họp giao ban đánh giá tình hình kinh tế - xã hội 10 tháng, "
     "triển khai nhiệm vụ 2 tháng cuối năm 2023.", "2023-10", "2023-Q4"),
    ("Huyện ủy Kim Sơn sơ kết 6 tháng",
     "Chiều 3/7, Huyện ủy Kim Sơn tổ chức hội nghị sơ kết công tác 6 tháng đầu năm, triển khai "
     "nhiệm vụ 6 tháng cuối năm 2023.", "2023-H1", "2023-H2"),
    ("Phường Bến Thành đánh giá kết quả 2 tháng cuối năm",
     "Ngày 5/1/2026, Đảng ủy phường Bến Thành, TP Hồ Chí Minh tổ chức hội nghị đánh giá kết quả "
     "2 tháng cuối năm 2025 và triển khai nhiệm vụ năm 2026.", "2025-Q4", "2026"),
    # rules-12: a regular monthly session reviews its month.
    ("UBND xã Tân Phú họp phiên thường kỳ tháng 11/2025",
     "Sáng 3/12/2025, UBND xã Tân Phú họp phiên thường kỳ tháng 11/2025.", "2025-11", "2025-12"),
    # rules-12: "nửa đầu năm" is the first half.
    ("UBND huyện sơ kết nửa đầu năm",
     "Sáng 8/7, UBND huyện Kim Sơn tổ chức hội nghị sơ kết công tác nửa đầu năm, triển khai "
     "nhiệm vụ nửa cuối năm 2024.", "2024-H1", "2024-H2"),
]


@pytest.mark.parametrize(("title", "text", "reviewed", "deployed"), PERIODS,
                         ids=[row[0] for row in PERIODS])
def test_non_standard_periods(title: str, text: str, reviewed: str, deployed: str) -> None:
    meeting = classify(title, text).meeting
    assert (meeting.period_reviewed, meeting.period_deployed) == (reviewed, deployed)


# A text nothing dates (no publication date, no year in its title or its periods: a page whose
# date the extractor did not find, an undated corpus) has no year for a period it names without
# one; a fixed year was assumed, and "2024-Q1" stored for a report of any year.
def test_an_undated_report_gets_no_year_it_does_not_write() -> None:
    title = "Huyện ủy Mường La sơ kết quý I"
    text = ("Chiều 5/4, Huyện ủy Mường La tổ chức hội nghị sơ kết công tác quý I, triển khai "
            "nhiệm vụ quý II.")
    undated = classify(title, text).meeting
    assert undated.kind == "quarterly"
    assert (undated.period_reviewed, undated.period_deployed) == (None, None)
    dated = classify(title, text, "2019-04-06").meeting
    assert (dated.kind, dated.period_reviewed, dated.period_deployed) == (
        "quarterly", "2019-Q1", "2019-Q2")
    # The year written for one period dates the others.
    written = classify(title, text.replace("quý II.", "quý II năm 2017.")).meeting
    assert (written.period_reviewed, written.period_deployed) == ("2017-Q1", "2017-Q2")


# A target year is not the meeting's: in a headline ("… đến năm 2030") it set the year of every
# period a lead with no date of its own names without one; in the lead, "đến năm 2030" read as
# the year deployed.
def test_a_target_year_dates_no_period() -> None:
    text = "Huyện ủy Kim Sơn tổ chức hội nghị sơ kết công tác quý I, triển khai nhiệm vụ quý II."
    headline = classify("Huyện ủy Kim Sơn phấn đấu trở thành thị xã đến năm 2030", text,
                        "2024-04-04").meeting
    assert (headline.period_reviewed, headline.period_deployed) == ("2024-Q1", "2024-Q2")
    lead = classify("Huyện ủy Kim Sơn sơ kết quý I",
                    "Sáng 3/4, Huyện ủy Kim Sơn tổ chức hội nghị sơ kết công tác quý I, triển "
                    "khai chương trình hành động đến năm 2030.", "2024-04-04").meeting
    assert (lead.period_reviewed, lead.period_deployed) == ("2024-Q1", "2024-Q2")


# rules-16: a period over before the meeting was held is not what it deploys. A mid-year session
# whose lead tells what was done in the first half ("triển khai nhiệm vụ 6 tháng đầu năm", of
# the past), and names the half it prepares later or not at all, deployed the half just over.
def test_a_period_over_when_the_meeting_was_held_is_the_one_reviewed() -> None:
    title = "Khai mạc kỳ họp thứ 6 HĐND huyện Văn Chấn"
    text = ("Sáng 8/7, HĐND huyện Văn Chấn khai mạc kỳ họp thứ 6. Huyện triển khai nhiệm vụ 6 "
            "tháng đầu năm 2023 trong bối cảnh nhiều khó khăn, thu ngân sách đạt 62% dự toán.")
    held = classify(title, text, "2023-07-08").meeting
    assert (held.period_reviewed, held.period_deployed) == ("2023-H1", "2023-H2")
    # Held before the half was over, the same lead deploys it; printed a year later with no
    # day of its own, nothing says which half is meant, and the reading stands.
    early = classify(title, text.replace("Sáng 8/7", "Sáng 28/6"), "2023-06-28").meeting
    assert (early.period_reviewed, early.period_deployed) == ("2022-H2", "2023-H1")
    late = classify(title, text.replace("Sáng 8/7, ", ""), "2024-07-20").meeting
    assert (late.period_reviewed, late.period_deployed) == ("2022-H2", "2023-H1")


# rules-11: an RSS item may be its headline alone; a standing committee ("Ban Thường vụ") is no
# case ("vụ"); "họp phiên thường kỳ" names a meeting.
@pytest.mark.parametrize("title", [
    "UBND phường Hạc Thành họp phiên thường kỳ tháng 9",
    "Ban Thường vụ Tỉnh ủy Nghệ An giao ban quý III",
    "Huyện ủy Mường La sơ kết công tác 6 tháng đầu năm 2024",
    # rules-12: a department's party committee deploying its year's tasks; the 2025 bloc of a
    # province's party agencies
    "Đảng bộ Sở Tài chính tỉnh Lào Cai triển khai nhiệm vụ năm 2025",
    "Đảng ủy các cơ quan Đảng tỉnh Lào Cai tổng kết công tác năm 2025",
])
def test_a_headline_alone(title: str) -> None:
    result = classify(title, "")
    assert result.is_meeting_report, result.cues


@pytest.mark.parametrize("title", [
    "UBND huyện Mường La tổng kết công tác phòng chống thiên tai năm 2024",
    "Huyện ủy Mường La tổ chức hội nghị quán triệt Nghị quyết Trung ương 10",
    "Khởi tố vụ án tham ô tại UBND xã Tà Xùa",
])
def test_a_headline_alone_that_is_not_a_report(title: str) -> None:
    assert not classify(title, "").is_meeting_report


# rules-13: a committee's plenary conference reported with its day and its opening: a
# department named there is a post ("trưởng Ban Tổ chức Tỉnh ủy"), and what the conference
# "sẽ" (will) consider is its agenda. Announced, or a department's own meeting, it is no report.
PLENARY_REPORTS = [
    ("Ông Trần Văn A làm phó bí thư Tỉnh ủy Bình Định",
     "Sáng 8-4, Hội nghị Tỉnh ủy Bình Định lần thứ 15 bàn về công tác cán bộ đã bầu ông Trần "
     "Văn A - trưởng Ban Tổ chức Tỉnh ủy Bình Định - giữ chức phó bí thư Tỉnh ủy nhiệm kỳ "
     "2020-2025. Ông A được Ban Chấp hành Đảng bộ tỉnh tín nhiệm bầu với tỉ lệ phiếu 100%."),
    ("Thành ủy sẽ xem xét kỷ luật một số cán bộ",
     "Ngày 30/11, phát biểu khai mạc Hội nghị lần thứ 15 Ban Chấp hành Đảng bộ tỉnh Bình Định "
     "nhiệm kỳ 2020-2025, Bí thư Tỉnh ủy cho biết, hội nghị lần này sẽ có nội dung xem xét kỷ "
     "luật một số cán bộ. Hội nghị cũng thảo luận, cho ý kiến về tình hình kinh tế - xã hội."),
]
PLENARY_NOT_REPORTS = [
    ("Tỉnh ủy Bình Định sẽ xem xét kỷ luật một số cán bộ",
     "Ngày 30/11, Hội nghị lần thứ 15 Ban Chấp hành Đảng bộ tỉnh Bình Định nhiệm kỳ 2020-2025 "
     "sẽ khai mạc; Bí thư Tỉnh ủy sẽ phát biểu khai mạc, hội nghị lần này sẽ có nội dung xem xét "
     "kỷ luật một số cán bộ."),
    ("Ban Tổ chức Tỉnh ủy Bình Định triển khai nhiệm vụ năm 2024",
     "Sáng 8-1, Ban Tổ chức Tỉnh ủy Bình Định tổ chức hội nghị tổng kết công tác tổ chức xây "
     "dựng Đảng năm 2023, triển khai nhiệm vụ năm 2024. Đồng chí Trưởng Ban Tổ chức Tỉnh ủy chủ "
     "trì hội nghị."),
]


@pytest.mark.parametrize(("title", "text"), PLENARY_REPORTS)
def test_a_plenary_reported_with_a_post_or_its_agenda(title: str, text: str) -> None:
    result = classify(title, text)
    assert result.is_meeting_report, result.cues


@pytest.mark.parametrize(("title", "text"), PLENARY_NOT_REPORTS)
def test_a_plenary_announced_or_a_departments_meeting(title: str, text: str) -> None:
    assert not classify(title, text).is_meeting_report


# rules-14: the plenary conference named by its number with the committee's executive after
# it, as press releases and agencies write it ("Hội nghị 16 Ban Chấp hành Thành ủy", "Hội nghị
# lần thứ 16 Ban Chấp hành Thành ủy"); "Hội nghị 2 Tỉnh ủy" is two committees meeting.
PLENARY_BY_NUMBER = ("Thành ủy Đà Nẵng nhận định một số chỉ tiêu tăng trưởng còn thấp so "
                     "với kế hoạch.\nĐó là nhận định tại Hội nghị {} Thành ủy Đà Nẵng khóa "
                     "XXI vừa diễn ra.")


@pytest.mark.parametrize("named", ["16 Ban Chấp hành", "lần thứ 16 Ban Chấp hành",
                                   "16 BCH", "16 Ban Chấp hành Đảng bộ"])
def test_a_plenary_named_by_its_number_before_the_committee(named: str) -> None:
    text = PLENARY_BY_NUMBER.format(named).replace("Đảng bộ Thành ủy", "Đảng bộ thành phố")
    result = classify("Đà Nẵng: Thẳng thắn nhìn nhận và khắc phục những tồn tại", text)
    assert result.is_meeting_report, result.cues
    assert ("a plenary conference of a local party committee", 2.0) in result.cues


def test_two_committees_meeting_is_no_plenary() -> None:
    result = classify("Hai tỉnh ủy ký kết chương trình hợp tác",
                      "Ngày 5/3, Hội nghị 2 Tỉnh ủy Bắc Ninh - Bắc Giang ký kết chương trình "
                      "hợp tác giai đoạn 2021-2025.")
    assert ("a plenary conference of a local party committee", 2.0) not in result.cues
