"""Word lists for synthetic members, weighted roughly like the national population.

Family-name weights follow the commonly cited national shares (Nguyễn ≈ 38 %, Trần ≈ 11 %,
Lê ≈ 9.5 % …); ethnic groups follow the 2019 census order of size. Nothing here names a real
person: names are drawn word by word.
"""
from __future__ import annotations

# (word, weight)
FAMILY = [
    ("Nguyễn", 380), ("Trần", 110), ("Lê", 95), ("Phạm", 71), ("Hoàng", 51), ("Huỳnh", 30), ("Phan", 45),
    ("Vũ", 39), ("Võ", 30), ("Đặng", 21), ("Bùi", 20), ("Đỗ", 14), ("Hồ", 13), ("Ngô", 13), ("Dương", 10),
    ("Lý", 5), ("Đinh", 6), ("Trịnh", 5), ("Đào", 5), ("Mai", 4), ("Tô", 3), ("Hà", 5), ("Lương", 4),
    ("Cao", 4), ("Lâm", 4), ("Tạ", 2), ("Lưu", 3), ("Chu", 2), ("Kiều", 2), ("Quách", 2), ("Thái", 2),
    ("Triệu", 2), ("Nông", 4), ("Ma", 2), ("Lò", 2), ("Lục", 1), ("Bế", 1), ("Giàng", 1), ("Thạch", 2),
]
MIDDLE_MALE = [
    ("Văn", 40), ("Đức", 8), ("Minh", 8), ("Quang", 6), ("Hữu", 6), ("Xuân", 4), ("Thanh", 5), ("Ngọc", 3),
    ("Công", 5), ("Duy", 3), ("Trọng", 3), ("Tiến", 3), ("Anh", 3), ("Đình", 5), ("Quốc", 4), ("Mạnh", 3),
    ("Thế", 3), ("Hoàng", 2), ("Bá", 2), ("Viết", 2),
]
MIDDLE_FEMALE = [
    ("Thị", 55), ("Thu", 5), ("Thanh", 5), ("Ngọc", 6), ("Kim", 4), ("Minh", 3), ("Hồng", 4), ("Phương", 3),
    ("Thị Thu", 4), ("Thị Thanh", 3), ("Thị Kim", 3), ("Thị Minh", 2), ("Thùy", 2), ("Bích", 2), ("Mỹ", 2),
]
GIVEN_MALE = [
    "An", "Anh", "Bảo", "Bình", "Cường", "Chiến", "Công", "Dũng", "Duy", "Đạt", "Định", "Đông", "Đức", "Giang",
    "Hải", "Hào", "Hiếu", "Hòa", "Hoàng", "Huy", "Hùng", "Hưng", "Khải", "Khánh", "Khoa", "Kiên", "Lâm", "Lộc",
    "Lợi", "Long", "Lực", "Mạnh", "Minh", "Nam", "Nghĩa", "Ngọc", "Nhân", "Ninh", "Phong", "Phúc", "Phương",
    "Quân", "Quang", "Quyết", "Sang", "Sơn", "Tài", "Tâm", "Tân", "Thái", "Thắng", "Thành", "Thịnh", "Thuận",
    "Tiến", "Toàn", "Trí", "Trung", "Trường", "Tú", "Tuấn", "Tùng", "Việt", "Vinh", "Vũ", "Vượng", "Hậu", "Khôi",
]
GIVEN_FEMALE = [
    "Anh", "Ánh", "Bích", "Chi", "Diệp", "Dung", "Duyên", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Hồng",
    "Huế", "Hương", "Huyền", "Lan", "Liên", "Linh", "Loan", "Ly", "Mai", "Minh", "My", "Nga", "Ngân", "Ngọc",
    "Nhàn", "Nhung", "Oanh", "Phương", "Quyên", "Quỳnh", "Sen", "Tâm", "Thảo", "Thắm", "Thơm", "Thu", "Thủy",
    "Thúy", "Trang", "Trinh", "Tuyết", "Uyên", "Vân", "Xuân", "Yến", "Hậu", "Lụa", "Nhi",
]

ETHNICITIES = [
    ("Kinh", 8540), ("Tày", 190), ("Thái", 180), ("Mường", 130), ("Khmer", 135), ("Hoa", 75), ("Nùng", 110),
    ("H'Mông", 60), ("Dao", 70), ("Gia Rai", 35), ("Ê Đê", 30), ("Ba Na", 20), ("Sán Chay", 20), ("Chăm", 15),
    ("Cơ Ho", 15), ("Xơ Đăng", 15), ("Sán Dìu", 20), ("Hrê", 10), ("Ra Glai", 5), ("Mnông", 5),
]
RELIGIONS = [("Không", 9500), ("Phật giáo", 300), ("Công giáo", 120), ("Tin Lành", 20), ("Cao Đài", 30), ("Hòa Hảo", 30)]

# Common village names (thôn); the generator numbers them when a commune needs more.
VILLAGES = [
    "Đồng Tâm", "Tân Lập", "Quyết Thắng", "Thống Nhất", "Hòa Bình", "Đoàn Kết", "Tiến Bộ", "Minh Khai", "Trung Tâm",
    "Tân Tiến", "Làng Mới", "Bình Minh", "An Khang", "Đông Hưng", "Tây Sơn", "Nam Thành", "Bắc Sơn", "Phú Thịnh",
    "Tân Thành", "Đồng Xuân", "Thượng", "Hạ", "Trung", "Đồng Bèn", "Cầu Trắng", "Khe Cua", "Làng Chùa", "Ao Sen",
]
# Grassroots organizations found in a commune (schools, clinics, cooperatives, firms …).
COMMUNE_ORGS = [
    "Trường Mầm non {c}", "Trường Tiểu học {c}", "Trường Trung học cơ sở {c}", "Trạm Y tế {c}",
    "Trường Trung học phổ thông {c}", "Hợp tác xã Nông nghiệp {c}", "Quỹ Tín dụng nhân dân {c}",
    "Công ty Cổ phần Xây dựng {c}", "Công ty TNHH Thương mại {c}", "Ban Quản lý chợ {c}", "Bưu điện {c}",
    "Điện lực {c}", "Trung tâm Phục vụ hành chính công {c}", "Công ty Cổ phần Môi trường {c}",
    "Hợp tác xã Dịch vụ {c}", "Trường Tiểu học {c} số 2", "Trường Mầm non {c} số 2",
]
# Grassroots organizations under the provincial party-agencies and government committees.
PARTY_AGENCY_ORGS = [
    "Văn phòng Tỉnh ủy", "Ban Tổ chức Tỉnh ủy", "Ủy ban Kiểm tra Tỉnh ủy", "Ban Tuyên giáo và Dân vận Tỉnh ủy",
    "Ban Nội chính Tỉnh ủy", "Ban Chính sách, chiến lược Tỉnh ủy", "Cơ quan Ủy ban Mặt trận Tổ quốc tỉnh",
    "Báo và Phát thanh, Truyền hình tỉnh", "Trường Chính trị tỉnh", "Văn phòng Đoàn ĐBQH và HĐND tỉnh",
]
GOVERNMENT_ORGS = [
    "Văn phòng UBND tỉnh", "Sở Tài chính", "Sở Nội vụ", "Sở Y tế", "Sở Giáo dục và Đào tạo", "Sở Xây dựng",
    "Sở Công Thương", "Sở Nông nghiệp và Môi trường", "Sở Khoa học và Công nghệ", "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Tư pháp", "Thanh tra tỉnh", "Bệnh viện Đa khoa tỉnh", "Trường Cao đẳng tỉnh", "Sở Dân tộc và Tôn giáo",
    "Sở Ngoại vụ",
]
# Positions held by ordinary members besides the party posts the generator derives from the tree.
JOB_POSITIONS = [
    "Trưởng thôn", "Tổ trưởng tổ dân phố", "Bí thư Chi đoàn", "Chi hội trưởng Hội Cựu chiến binh",
    "Chi hội trưởng Hội Phụ nữ", "Chi hội trưởng Hội Nông dân", "Trưởng ban công tác Mặt trận", "Công an viên",
    "Giáo viên", "Bác sĩ", "Kế toán", "Trưởng phòng", "Phó Trưởng phòng", "Giám đốc", "Phó Giám đốc",
    "Chủ nhiệm Hợp tác xã", "Đại biểu Hội đồng nhân dân xã",
]
